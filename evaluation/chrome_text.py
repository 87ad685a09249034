"""Page chrome in eight languages, and short articles in seven, for the language-chrome test set.

All of it is original text written for this project (no portal's or article's text is copied):
the words and phrases news portals put around an article (login boxes, menus, breadcrumbs,
source and date lines, scrolling-news tickers, tags and keywords lines, share lines, editor
credits, related and most-read lists, copyright lines and footers), and seven short news stories
in Chinese, Japanese, Arabic, Russian, Spanish, French and German, each with one piece of
legitimately foreign text inside it (a name with its gloss, a quote, a borrowed phrase) that the
language stage must keep.

The dev articles of ``../shared/data/wcxb-dev-articles`` are all English, so the English chrome
is only ever wrapped around these stories (see :mod:`evaluation.chrome_pages`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chrome:
    language: str
    login: tuple[str, ...]
    menu: tuple[str, ...]
    breadcrumb: str
    source_line: str
    ticker_label: str
    headlines: tuple[str, ...]
    related_label: str
    most_read_label: str
    tags: str
    keywords: str
    share: str
    editor: str
    copyright: str
    footer_links: tuple[str, ...]
    legal: str


CHROME: dict[str, Chrome] = {c.language: c for c in (
    Chrome(
        "zh",
        login=("登录", "注册", "用户名/邮箱", "密码", "忘记密码？"),
        menu=("首页", "新闻", "国际", "财经", "体育", "娱乐", "科技", "汽车", "房产", "视频"),
        breadcrumb="您当前的位置：首页 > 国际新闻 > 正文",
        source_line="2026-03-14 09:12 来源：东方快讯网 作者：本站编译 字号：大 中 小",
        ticker_label="滚动新闻",
        headlines=("北方多地迎来今年首场大范围降雪", "全国铁路春运客流量创下新纪录",
                   "多家银行下调存款利率幅度引关注", "新能源汽车出口量连续三个月增长",
                   "城市地铁新线路本周末正式开通运营", "专家解读今年夏季粮食收成预期"),
        related_label="相关新闻",
        most_read_label="热门排行",
        tags="标签：国际 外交 经济",
        keywords="关键词：国际局势 最新消息 综合报道",
        share="分享到：微信 微博 QQ空间 复制链接",
        editor="责任编辑：刘晓燕",
        copyright="版权所有 © 2026 东方快讯网 未经书面授权禁止转载、摘编或建立镜像",
        footer_links=("关于我们", "联系我们", "广告服务", "网站地图", "法律声明", "招聘信息"),
        legal="京ICP备20261234号-1 京公网安备11010502030405号",
    ),
    Chrome(
        "ja",
        login=("ログイン", "新規会員登録", "メールアドレス", "パスワードをお忘れの方"),
        menu=("ホーム", "ニュース", "国際", "経済", "スポーツ", "エンタメ", "テクノロジー", "天気"),
        breadcrumb="ホーム > 国際ニュース > 記事詳細",
        source_line="2026年3月14日 9時12分 配信 東都ニュースオンライン",
        ticker_label="速報ニュース",
        headlines=("関東地方で今週末に大雪のおそれ、気象庁が注意呼びかけ",
                   "新型の高速鉄道車両が来月から営業運転を開始",
                   "円相場が一時大きく値下がり、市場に警戒感",
                   "人気アニメの劇場版が公開初日に観客動員記録",
                   "地方空港の国際線が三年ぶりに運航再開へ",
                   "春の高校野球、出場校の組み合わせが決定"),
        related_label="関連記事",
        most_read_label="アクセスランキング",
        tags="タグ：国際 外交 経済ニュース",
        keywords="キーワード：海外ニュース 最新情報 まとめ",
        share="この記事をシェアする：ツイート いいね！ はてなブックマーク",
        editor="編集担当：佐藤美咲",
        copyright="© 2026 東都新聞社 掲載記事・写真の無断転載を禁じます。",
        footer_links=("会社概要", "お問い合わせ", "利用規約", "プライバシーポリシー", "広告掲載について",
                      "サイトマップ"),
        legal="このサイトの記事は著作権法により保護されています。",
    ),
    Chrome(
        "ar",
        login=("تسجيل الدخول", "إنشاء حساب جديد", "البريد الإلكتروني", "نسيت كلمة المرور؟"),
        menu=("الرئيسية", "أخبار", "العالم", "اقتصاد", "رياضة", "ثقافة", "تكنولوجيا", "فيديو"),
        breadcrumb="الرئيسية > أخبار العالم > التفاصيل",
        source_line="نشر في 14 مارس 2026 الساعة 09:12 | المصدر: وكالة الأنباء الشرقية",
        ticker_label="شريط الأخبار",
        headlines=("ارتفاع أسعار الذهب في الأسواق المحلية خلال تعاملات اليوم",
                   "افتتاح معرض الكتاب الدولي بمشاركة أكثر من مئتي دار نشر",
                   "الأرصاد الجوية تتوقع طقسا معتدلا في معظم المناطق",
                   "المنتخب الوطني يستعد لمباراته الودية المقبلة",
                   "وزارة التعليم تعلن موعد بدء الفصل الدراسي الثاني",
                   "افتتاح مستشفى جديد في العاصمة بطاقة خمسمئة سرير"),
        related_label="أخبار ذات صلة",
        most_read_label="الأكثر قراءة",
        tags="الوسوم: سياسة اقتصاد علاقات دولية",
        keywords="كلمات مفتاحية: أخبار عالمية، آخر الأخبار، تقارير",
        share="شارك هذا الخبر عبر: فيسبوك تويتر واتساب",
        editor="تحرير: سارة المنصوري",
        copyright="جميع الحقوق محفوظة © 2026 شبكة الأخبار الشرقية",
        footer_links=("من نحن", "اتصل بنا", "سياسة الخصوصية", "شروط الاستخدام", "أعلن معنا",
                      "خريطة الموقع"),
        legal="يمنع نسخ أو إعادة نشر المحتوى دون إذن كتابي مسبق من إدارة الموقع.",
    ),
    Chrome(
        "ru",
        login=("Войти", "Регистрация", "Электронная почта", "Забыли пароль?"),
        menu=("Главная", "Новости", "В мире", "Экономика", "Спорт", "Культура", "Технологии", "Видео"),
        breadcrumb="Главная / В мире / Новости",
        source_line="14 марта 2026, 09:12 | Источник: Северный вестник",
        ticker_label="Лента новостей",
        headlines=("В столице открылась крупнейшая выставка современной живописи",
                   "Синоптики пообещали потепление к концу следующей недели",
                   "Курс рубля заметно укрепился по итогам торгов",
                   "Сборная страны вышла в полуфинал чемпионата",
                   "В регионе запустили новый маршрут пригородных поездов",
                   "Учёные представили результаты многолетнего исследования озера"),
        related_label="Читайте также",
        most_read_label="Самое читаемое",
        tags="Теги: политика, экономика, международные отношения",
        keywords="Ключевые слова: новости мира, главное за день",
        share="Поделиться: ВКонтакте Одноклассники Телеграм",
        editor="Редактор: Анна Соколова",
        copyright="© 2026 Северный вестник. Все права защищены.",
        footer_links=("О проекте", "Контакты", "Реклама", "Политика конфиденциальности", "Карта сайта",
                      "Вакансии"),
        legal="При полном или частичном использовании материалов ссылка на сайт обязательна.",
    ),
    Chrome(
        "es",
        login=("Iniciar sesión", "Regístrate gratis", "Correo electrónico", "¿Olvidaste tu contraseña?"),
        menu=("Inicio", "Noticias", "Internacional", "Economía", "Deportes", "Cultura", "Tecnología",
              "Opinión"),
        breadcrumb="Inicio > Internacional > Noticias del mundo",
        source_line="Publicado el 14 de marzo de 2026 a las 09:12 | Fuente: Diario del Valle",
        ticker_label="Última hora",
        headlines=("El ayuntamiento aprueba el nuevo plan de movilidad para el centro de la ciudad",
                   "Las lluvias de la semana dejan los embalses por encima de la media",
                   "La selección femenina se clasifica para la final del torneo",
                   "Suben los precios del alquiler en las principales capitales",
                   "Un hallazgo arqueológico sorprende a los vecinos del pueblo",
                   "El gobierno regional anuncia ayudas para los agricultores"),
        related_label="Noticias relacionadas",
        most_read_label="Lo más leído",
        tags="Etiquetas: política, economía, relaciones internacionales",
        keywords="Palabras clave: noticias internacionales, actualidad, última hora",
        share="Compartir en Facebook, Twitter y WhatsApp",
        editor="Redacción: María Fernández",
        copyright="© 2026 Grupo Editorial del Valle. Todos los derechos reservados.",
        footer_links=("Quiénes somos", "Contacto", "Publicidad", "Aviso legal", "Política de privacidad",
                      "Mapa del sitio"),
        legal="Queda prohibida la reproducción total o parcial de los contenidos sin autorización expresa.",
    ),
    Chrome(
        "fr",
        login=("Se connecter", "Créer un compte", "Adresse e-mail", "Mot de passe oublié ?"),
        menu=("Accueil", "Actualités", "International", "Économie", "Sport", "Culture", "Sciences",
              "Vidéos"),
        breadcrumb="Accueil > International > Actualités du monde",
        source_line="Publié le 14 mars 2026 à 09h12 | Source : La Gazette du Littoral",
        ticker_label="En continu",
        headlines=("La mairie dévoile son projet de rénovation du vieux port",
                   "Les températures vont remonter dès le début de la semaine prochaine",
                   "Le club local décroche sa qualification pour la finale de la coupe",
                   "Le prix du pain continue de grimper dans les boulangeries",
                   "Une exposition consacrée aux peintres de la côte ouvre ses portes",
                   "Les agriculteurs manifestent devant la préfecture"),
        related_label="À lire aussi",
        most_read_label="Les plus lus",
        tags="Mots-clés : politique, économie, relations internationales",
        keywords="Sur le même sujet : actualité internationale, diplomatie",
        share="Partager sur Facebook, Twitter ou par courriel",
        editor="Rédaction : Claire Dubois",
        copyright="© 2026 La Gazette du Littoral. Tous droits réservés.",
        footer_links=("Qui sommes-nous", "Nous contacter", "Publicité", "Mentions légales",
                      "Politique de confidentialité", "Plan du site"),
        legal="Toute reproduction, même partielle, est interdite sans l'accord de la rédaction.",
    ),
    Chrome(
        "de",
        login=("Anmelden", "Registrieren", "E-Mail-Adresse", "Passwort vergessen?"),
        menu=("Startseite", "Nachrichten", "Politik", "Wirtschaft", "Sport", "Kultur", "Wissen", "Videos"),
        breadcrumb="Startseite > Politik > Ausland",
        source_line="Veröffentlicht am 14. März 2026 um 09:12 Uhr | Quelle: Norddeutsche Rundschau",
        ticker_label="Eilmeldungen",
        headlines=("Stadtrat beschließt neues Konzept für den Nahverkehr",
                   "Wetterdienst warnt vor Sturmböen an der Küste",
                   "Heimische Mannschaft gewinnt das Derby nach spannender Schlussphase",
                   "Mieten in den Großstädten steigen weiter deutlich an",
                   "Neue Ausstellung im Stadtmuseum zieht viele Besucher an",
                   "Landwirte protestieren gegen geplante Kürzungen der Förderung"),
        related_label="Das könnte Sie auch interessieren",
        most_read_label="Meistgelesen",
        tags="Schlagwörter: Politik, Wirtschaft, Außenpolitik",
        keywords="Mehr zum Thema: Internationale Nachrichten, Diplomatie",
        share="Artikel teilen auf Facebook, Twitter oder per E-Mail",
        editor="Redaktion: Jonas Becker",
        copyright="© 2026 Norddeutsche Rundschau. Alle Rechte vorbehalten.",
        footer_links=("Über uns", "Kontakt", "Werbung", "Impressum", "Datenschutz", "Barrierefreiheit"),
        legal="Vervielfältigung nur mit ausdrücklicher Genehmigung der Redaktion.",
    ),
    Chrome(
        "en",
        login=("Sign in", "Create an account", "Email address", "Forgot your password?"),
        menu=("Home", "News", "World", "Business", "Sport", "Culture", "Science", "Video"),
        breadcrumb="Home > World > Asia Pacific",
        source_line="Published 14 March 2026, 09:12 GMT | Source: Harbor City Chronicle",
        ticker_label="Breaking news",
        headlines=("City council approves a new transport plan for the downtown area",
                   "Heavy rain this week leaves reservoirs above their seasonal average",
                   "Local team books its place in the cup final after a late goal",
                   "Rents keep rising in the largest cities, new figures show",
                   "Archaeologists uncover a medieval well beneath a car park",
                   "Regional government announces support for struggling farmers"),
        related_label="Related stories",
        most_read_label="Most read",
        tags="Tags: politics, economy, international relations",
        keywords="Topics: world news, diplomacy, latest updates",
        share="Share this story on Facebook, Twitter or by email",
        editor="Edited by Rachel Moore",
        copyright="© 2026 Harbor City Chronicle. All rights reserved.",
        footer_links=("About us", "Contact", "Advertise", "Terms of use", "Privacy policy", "Sitemap"),
        legal="No part of this site may be reproduced without written permission.",
    ),
)}


@dataclass(frozen=True)
class Story:
    language: str
    title: str
    paragraphs: tuple[str, ...]
    #: The legitimately foreign text inside the story that must survive, and its language.
    foreign_inside: str
    foreign_language: str


STORIES: dict[str, Story] = {s.language: s for s in (
    Story(
        "zh", "市图书馆完成三年改造 周末重新向市民开放",
        ("经过近三年的改造，位于老城区的市立图书馆本周六重新向市民开放。改造后的馆舍面积扩大了一倍，"
         "新增了儿童阅览区、自习室和一间可容纳两百人的报告厅。",
         "图书馆负责人介绍，改造工程最大的难点在于保留上世纪五十年代建成的主楼外立面。施工方对原有的"
         "砖墙进行了逐块加固，并按照旧照片修复了门廊上的木雕装饰。",
         "参与设计的西班牙建筑师玛丽亚·冈萨雷斯（Maria Gonzalez）表示，团队希望让读者在走进大门时"
         "仍能感受到这座建筑的历史，同时享受现代化的照明和通风条件。",
         "新馆的藏书量将从原来的四十万册增加到六十万册，其中地方志和老报纸将集中存放在恒温恒湿的特藏室"
         "中。市民凭身份证即可免费办理借书证，每人每次最多可借阅十本图书。",
         "开馆首日，不少市民一早就在门外排起了长队。退休教师王女士说，她年轻时常来这里看书，如今带着"
         "孙子一起来，感觉既熟悉又新鲜。"),
        "Maria Gonzalez", "en",
    ),
    Story(
        "ja", "川沿いに三千個の灯籠、夏祭りに多くの見物客",
        ("市内を流れる川の両岸で十三日夜、恒例の灯籠流しが行われ、地元の住民や観光客ら約二万人が集まった。"
         "色とりどりの灯籠が川面を照らし、会場は幻想的な雰囲気に包まれた。",
         "祭りの実行委員会によると、今年は過去最多となる約三千個の灯籠が用意された。灯籠の紙には子ども"
         "たちが描いた絵や家族への願い事が書かれており、午後七時の合図とともに次々と川に流された。",
         "米国から家族で訪れたという男性は「It was the most beautiful night of our whole trip」と話し、"
         "川辺で何枚も写真を撮っていた。",
         "実行委員長を務める地元商店会の会長は、感染症の影響で中止が続いた時期を振り返り、「これだけ多く"
         "の人が戻ってきてくれて本当にうれしい」と笑顔を見せた。",
         "委員会は灯籠の回収作業を翌朝まで続け、川の清掃にはボランティア約百五十人が参加した。来年は会場"
         "を下流の公園まで広げることも検討しているという。"),
        "It was the most beautiful night of our whole trip", "en",
    ),
    Story(
        "ar", "افتتاح محطة جديدة لتحلية المياه على الساحل الشمالي",
        ("افتتحت السلطات المحلية يوم الأحد محطة جديدة لتحلية مياه البحر على الساحل الشمالي، بطاقة "
         "إنتاجية تصل إلى مئة ألف متر مكعب يوميا، وهو ما يكفي لتلبية احتياجات نحو نصف مليون نسمة.",
         "وقال مدير المشروع إن أعمال البناء استغرقت عامين ونصف العام، وإن المحطة تعتمد على تقنية التناضح "
         "العكسي وتستمد جزءا من الطاقة اللازمة لتشغيلها من ألواح شمسية أقيمت على أرض مجاورة.",
         "وأوضح أن الشركة المنفذة، وهي شركة بلو هاربر ووتر (Blue Harbor Water)، ستتولى تشغيل المحطة "
         "وصيانتها خلال السنوات الخمس الأولى قبل تسليمها بالكامل إلى الجهات الحكومية.",
         "ويعاني سكان المدن الساحلية منذ سنوات من انقطاع المياه في فصل الصيف، حين يرتفع الاستهلاك وتنخفض "
         "مناسيب الآبار الجوفية. ويأمل المسؤولون أن تنهي المحطة الجديدة هذه الأزمة.",
         "وأكد خبراء في مجال البيئة ضرورة معالجة المياه شديدة الملوحة الناتجة عن عملية التحلية قبل إعادتها "
         "إلى البحر، حفاظا على الشعاب المرجانية والثروة السمكية في المنطقة."),
        "Blue Harbor Water", "en",
    ),
    Story(
        "ru", "Паромная переправа через залив открылась на месяц раньше срока",
        ("Паромная переправа через залив начала работу в понедельник, на месяц раньше, чем планировалось. "
         "Первый рейс с сорока автомобилями и почти двумястами пассажирами отправился от северного причала "
         "в семь часов утра.",
         "По словам представителей судоходной компании, ранний запуск стал возможен благодаря тёплой зиме: "
         "лёд в заливе сошёл уже в начале марта, а ремонт причалов удалось завершить без задержек.",
         "“We have never seen the bay clear of ice this early in the year,” said Tom Wheeler, an engineer "
         "from the shipyard that built the new ferry.",
         "Жители островных посёлков давно просили увеличить число рейсов. Теперь паром будет ходить шесть "
         "раз в день, а в летние выходные — до десяти раз. Стоимость билета для местных жителей осталась "
         "прежней.",
         "Администрация района сообщила, что в следующем году планирует закупить второе судно, чтобы "
         "переправа могла работать без перерывов даже во время планового ремонта."),
        "We have never seen the bay clear of ice this early in the year", "en",
    ),
    Story(
        "es", "La cosecha de aceituna se adelanta dos semanas por el calor de octubre",
        ("Los olivareros de la comarca han comenzado la recogida de la aceituna dos semanas antes de lo "
         "habitual. Las altas temperaturas de octubre han acelerado la maduración del fruto y muchas "
         "almazaras abrieron sus puertas a mediados de mes.",
         "Según la cooperativa local, la producción de este año será algo menor que la del anterior, aunque "
         "la calidad del aceite es excelente. Los técnicos calculan que se recogerán unos treinta millones de "
         "kilos en toda la zona.",
         "El presidente de la cooperativa destacó el savoir-faire de las familias que llevan generaciones "
         "cuidando los mismos olivos y recordó que buena parte del trabajo sigue haciéndose a mano en las "
         "fincas más empinadas.",
         "La falta de lluvias preocupa, sin embargo, a los agricultores. Muchos pozos están por debajo de su "
         "nivel normal y algunos productores han tenido que reducir el riego para no agotar las reservas "
         "antes del verano.",
         "Las almazaras esperan mantener la actividad hasta finales de enero. Durante la campaña, varias de "
         "ellas organizarán visitas guiadas y catas abiertas al público los fines de semana."),
        "savoir-faire", "fr",
    ),
    Story(
        "fr", "Une nouvelle piste cyclable relie enfin les deux rives du fleuve",
        ("La nouvelle piste cyclable qui traverse le fleuve a été inaugurée samedi matin en présence de "
         "plusieurs centaines d'habitants venus à vélo. Longue de quatre kilomètres, elle relie la gare au "
         "quartier des anciennes usines textiles.",
         "Le chantier a duré dix-huit mois et a coûté près de six millions d'euros, financés en partie par la "
         "région. La principale difficulté consistait à élargir le vieux pont métallique sans interrompre la "
         "circulation des bus.",
         "L'urbaniste allemande Katrin Vogel, qui a conseillé la ville, parle volontiers de « Fahrradstraße » "
         "pour décrire ces rues où les cyclistes ont la priorité sur les voitures, un modèle qu'elle a vu "
         "fonctionner à Brême et à Münster.",
         "Les commerçants du centre restent partagés. Certains craignent la disparition de places de "
         "stationnement, tandis que d'autres espèrent voir arriver une nouvelle clientèle qui se déplace à "
         "pied ou à vélo.",
         "La municipalité prévoit de compter les passages pendant un an grâce à des capteurs installés aux "
         "deux extrémités du pont, avant de décider d'éventuels prolongements vers les communes voisines."),
        "Fahrradstraße", "de",
    ),
    Story(
        "de", "Älteste Bäckerei der Stadt feiert ihr hundertfünfzigjähriges Bestehen",
        ("Die älteste Bäckerei der Stadt hat am Wochenende ihr hundertfünfzigjähriges Bestehen gefeiert. "
         "Hunderte Besucher kamen in die Altstadt, um in der offenen Backstube zuzusehen, wie Brot nach alten "
         "Rezepten im Holzofen gebacken wird.",
         "Das Familienunternehmen wird inzwischen in der fünften Generation geführt. Die heutige Inhaberin "
         "übernahm den Betrieb vor zwölf Jahren von ihrem Vater und hat seitdem zwei weitere Filialen in den "
         "Vororten eröffnet.",
         "Unter den Gästen war auch ein Bäcker aus Schottland, der vor Jahren hier seine Ausbildung gemacht "
         "hatte. „This is where I learned everything I know about bread“, sagte er und zeigte auf den alten "
         "Ofen.",
         "Wie viele Handwerksbetriebe kämpft auch die Bäckerei mit steigenden Energiepreisen und dem Mangel an "
         "Fachkräften. In diesem Jahr konnten zum ersten Mal seit langem alle Ausbildungsplätze besetzt "
         "werden.",
         "Zum Jubiläum hat die Familie ein kleines Buch mit Fotografien und Rezepten aus den vergangenen "
         "Jahrzehnten herausgegeben. Der Erlös aus dem Verkauf geht an die örtliche Tafel."),
        "This is where I learned everything I know about bread", "en",
    ),
)}
