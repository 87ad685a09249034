"""A value computed ahead in another process answers its own call, and nothing else."""

from __future__ import annotations

from newscrawl.stages.memo import Precomputed, precompute, primable, primed

calls: list[tuple] = []


@primable
def doubled(x):
    calls.append(x)
    return 2 * x


def test_a_primed_value_answers_only_its_own_arguments_and_only_inside_the_block():
    calls.clear()
    ahead = precompute([(doubled, (3,))])
    assert calls == [3]
    # Primed with a value the function would not give: the answer shows where it came from.
    planted = Precomputed(tuple((name, args, "primed") for name, args, _ in ahead.values))
    with primed(planted):
        assert doubled(3) == "primed"
        assert doubled(4) == 8  # other arguments are computed
        assert doubled(x=3) == 6  # keywords are never looked up
    assert doubled(3) == 6  # gone after the block
    assert calls == [3, 4, 3, 3]
    with primed(None):
        assert doubled(5) == 10



def test_an_argument_its_receiver_holds_is_not_sent_back_and_answers_once_put_back():
    import pickle

    calls.clear()
    raw = b"<html>bytes the receiver sent and still holds</html>" * 200
    ahead = precompute([(doubled, (raw,)), (doubled, (7,))])
    sent = pickle.dumps(ahead.without(body=raw))
    assert len(sent) < 2 * len(raw) + len(raw) // 2  # the value (2x), not the argument too
    back = pickle.loads(sent)
    calls.clear()
    with primed(back):  # the held argument not put back: its value answers nothing
        assert doubled(raw) == 2 * raw
        assert doubled(7) == 14
    assert calls == [raw]
    calls.clear()
    with primed(back.holding(body=raw)):
        assert doubled(raw) == 2 * raw
        assert doubled(bytes(bytearray(raw))) == 2 * raw  # an equal copy: the same call
    assert calls == []
