"""Work on stories already stored: backfills after a migration, reprocessing saved pages."""
