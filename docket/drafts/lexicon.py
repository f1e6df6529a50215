"""The words the drafter reads by, in English, Persian and Albanian.

Rules, not a model: each event type of the vocabulary (`docket/cases/vocabulary.json`)
has the phrases that report it in each language; dates, durations and the words
that say whether a person was charged are here too. Text is matched after
`normalise` (Persian digits to ASCII, Arabic letters to their Persian twins, lower
case), which keeps every character where it was, so spans point into the original.
"""

LANGUAGES = ("en", "fa", "sq")

# Per event type code, per language: regular expressions on the normalised text.
TRIGGERS: dict[str, dict[str, list[str]]] = {
    "entry_refused": {
        "en": [
            r"(?:refused|denied) entry",
            r"entry was (?:refused|denied)",
            r"turned back at the border",
        ],
        "sq": [r"iu refuzua hyrja", r"nuk u lejua të hynte", r"hyrja (?:iu |u )?refuzua"],
        "fa": [
            r"از ورود(?: [^\s.،]+){0,7} جلوگیری",
            r"اجازه ورود (?:به [^\s.،]+ )?(?:داده نشد|ندادند)",
        ],
    },
    "visa_refused": {
        "en": [
            r"(?:refused|denied|rejected) (?:a |an |her |his |their )?(?:entry )?visa",
            r"visa (?:application )?was (?:refused|denied|rejected)",
        ],
        "sq": [
            r"viza (?:iu |u )?refuzua",
            r"iu refuzua viza",
            r"refuzuan vizën",
            r"kërkesa (?:e tij |e saj )?për vizë (?:iu |u )?refuzua",
        ],
        "fa": [r"(?:درخواست )?(?:ویزا|روادید)(?:ی)?(?: [^\s.،]+){0,7} رد (?:شد|کرد)"],
    },
    "visit_refused": {
        "en": [
            r"visits? (?:was |were )?(?:refused|denied)",
            r"(?:refused|denied) (?:a |any )?visits?",
            r"(?:not allowed|barred from|forbidden) to visit",
            r"barred from visiting",
        ],
        "sq": [
            r"vizita (?:iu |u )?refuzua",
            r"refuzuar vizita",
            r"refuzuan vizitën",
            r"nuk (?:u |iu )?lejua (?:ta |të )?vizit",
        ],
        "fa": [r"(?:اجازه )?ملاقات(?: [^\s.،]+){0,4} (?:ممنوع|داده نشد|ندادند|رد شد)"],
    },
    "contact_barred": {
        "en": [
            r"(?:no|not allowed any|barred from any|denied any|denied) (?:contact|phone calls|calls)",
            r"incommunicado",
            r"cut off from (?:his|her|their) family",
        ],
        "sq": [
            r"pa (?:asnjë )?kontakt",
            r"nuk (?:i )?lejohet (?:asnjë )?kontakt",
            r"i ndaluan kontaktin",
            r"kontakti (?:me familjen )?(?:iu |u )?ndalua",
        ],
        "fa": [
            r"(?:تماس|ارتباط)(?: [^\s.،]+){0,3} (?:ممنوع|قطع|محروم)",
            r"حق تماس(?: [^\s.،]+){0,4} ندار",
        ],
    },
    "document_refused": {
        "en": [
            r"(?:refused|denied) (?:a |an |her |his |their )?(?:work permit|identity card|id card|residence permit|travel document|passport|bank account)",
            r"(?:work permit|identity card|id card|residence permit|travel document|passport)(?: application)? was (?:refused|denied|rejected)",
        ],
        "sq": [
            r"iu refuzua (?:leja e punës|letërnjoftimi|pasaporta|leja e qëndrimit|dokumenti i udhëtimit|llogaria bankare)",
            r"(?:leja e punës|letërnjoftimi|pasaporta|leja e qëndrimit) (?:iu |u )?refuzua",
        ],
        "fa": [
            r"(?:کارت شناسایی|اجازه کار|پروانه کار|گذرنامه|اجازه اقامت|حساب بانکی)(?: [^\s.،]+){0,7} (?:رد شد|صادر نشد|ندادند)"
        ],
    },
    "search_seizure": {
        "en": [
            r"(?:home|house|flat|apartment|room) was (?:searched|raided)",
            r"\b(?:searched|raided)\b",
            r"\b(?:seized|confiscated)\b",
        ],
        "sq": [
            r"(?:kontrolluan|kontrolloi|u kontrollua|bastisën|bastisi|u bastis)",
            r"(?:sekuestruan|konfiskuan|u sekuestrua|u konfiskua)",
        ],
        "fa": [r"(?:بازرسی|تفتیش)(?: شد| کردند)?", r"(?:توقیف|مصادره) (?:شد|کردند)"],
    },
    "detention": {
        "en": [
            r"\b(?:was |were |been |being )?(?:arrested|detained|imprisoned|jailed)\b",
            r"\btaken into custody\b",
            r"\b(?:held|kept|remains?|remained) (?:in (?:detention|custody|prison)|incommunicado|without charge|at [A-Z]|in [A-Z])",
            r"\bheld\b(?= (?:for|since|at|in) )",
            r"\b(?:has|have) been held\b",
            r"\bdetention\b(?= (?:since|from|on|in|at|for|without))",
        ],
        "sq": [
            r"\b(?:u )?arrestua\b",
            r"\barrestohet\b",
            r"\barrestuan\b",
            r"\b(?:u )?ndalua\b(?! kontakti)",
            r"\bmbahet\b",
            r"\bmbajtur\b",
            r"\b(?:u )?burgos\b",
            r"\bburgosur\b",
            r"\bparaburgim\b",
            r"\bë?shtë arrestuar\b",
        ],
        "fa": [
            r"بازداشت(?: شد| شده| کردند| گردید| است)?",
            r"دستگیر (?:شد|شده|کردند)",
            r"زندانی (?:شد|شده|است)",
            r"نگهداری (?:می‌شود|میشود|شد|شده)",
        ],
    },
    "release": {
        "en": [r"\b(?:was |were |been )?(?:released|freed|set free)\b"],
        "sq": [r"\b(?:u )?lirua\b", r"\bliruar\b", r"\blirohet\b", r"\bështë liruar\b"],
        "fa": [r"آزاد (?:شد|شده|گردید)"],
    },
    "transfer": {
        "en": [r"\btransferred\b", r"\bmoved to (?:the )?[A-Z]"],
        "sq": [r"\b(?:u )?transferua\b", r"\btransferuar\b", r"\bu zhvendos\b"],
        "fa": [r"منتقل (?:شد|شده|کردند|گردید)"],
    },
    "deportation": {
        "en": [r"\bdeported\b", r"\bdeportation\b", r"\bexpelled\b", r"\bremoved to\b"],
        "sq": [
            r"\b(?:u )?dëbua\b",
            r"\bdëbuar\b",
            r"\b(?:u )?deportua\b",
            r"\bdeportuar\b",
            r"\bdëbim\b",
        ],
        "fa": [r"اخراج (?:شد|شده|کردند|گردید)", r"دیپورت (?:شد|شده|کردند)"],
    },
    "return": {
        "en": [r"\b(?:forcibly )?returned to\b", r"\bsent back to\b"],
        "sq": [r"\b(?:u )?kthye?\b(?= me forcë| në)", r"\bkthyer me forcë\b"],
        "fa": [r"بازگردانده (?:شد|شده)"],
    },
    "charge": {
        "en": [r"\b(?:was |were )?charged with\b", r"\bindicted\b", r"\bformally accused of\b"],
        "sq": [r"\bu akuzua (?:zyrtarisht )?për\b", r"\bakuzohet për\b", r"\baktakuz"],
        "fa": [r"متهم (?:شد|شده است)", r"کیفرخواست(?: [^\s.،]+){0,2} صادر"],
    },
    "hearing": {
        "en": [r"\bhearing\b"],
        "sq": [r"\bseanc[aë](?: dëgjimore)?\b"],
        "fa": [r"جلسه رسیدگی"],
    },
    "trial": {
        "en": [
            r"\b(?:was |were )?(?:tried|sentenced|convicted)\b",
            r"\btrial (?:took place|began|opened|was held)\b",
            r"\b(?:his|her|their) trial\b",
        ],
        "sq": [r"\bu gjykua\b", r"\bu dënua\b", r"\bgjyq(?:i|in)?\b"],
        "fa": [
            r"محاکمه (?:شد|شده)",
            r"محکوم (?:شد|شده)",
            r"دادگاه(?: [^\s.،]+){0,3} (?:به )?(?:حبس )?محکوم",
        ],
    },
}

# A trigger preceded by one of these (within a few words) reports what did not happen.
NEGATION: dict[str, str] = {
    "en": r"\b(?:not|never|yet to be|without being|no longer)\s+(?:\w+\s+)?$",
    "sq": r"\b(?:nuk|s'|pa u)\s+(?:\w+\s+)?$",
    "fa": r"(?:هنوز)\s+$",
}

# Whether a person was charged: False first, as "without charge" also holds "charge".
NOT_CHARGED: dict[str, str] = {
    "en": r"without (?:any )?(?:formal )?charges?|not (?:been )?charged|no charges?\b|uncharged",
    "sq": r"pa (?:asnjë )?akuz[eë]|pa u akuzuar|nuk (?:është )?akuzuar",
    "fa": r"بدون (?:هیچ )?(?:تفهیم )?اتهام|بی‌آنکه اتهامی|بی آنکه اتهامی|اتهامی(?: [^\s.،]+){0,2} تفهیم نشده",
}
CHARGED: dict[str, str] = {
    "en": r"charged with|indicted|accused of",
    "sq": r"akuzuar për|akuzua për|akuzohet për",
    "fa": r"به اتهام|متهم (?:شد|به)|تفهیم اتهام شد",
}

# Persons named as the speaker of a sentence, not its subject ("Sara Ahmadi said that...").
SPEECH: dict[str, str] = {
    "en": r"^\W{0,3}(?:,\s*)?(?:\w+\s+){0,2}?(?:said|says|told|wrote|reported|states|stated|testified|explained|recalls)\b",
    "sq": r"^\W{0,3}(?:\w+\s+){0,2}?(?:tha|thotë|deklaroi|shkroi|tregoi|dëshmoi)\b",
    "fa": r"^\W{0,3}(?:[^\s.،]+\s+){0,2}?(?:گفت|می‌گوید|نوشت|اظهار|شهادت داد)",
}

# Words that end a clause: the persons of one clause are the subjects of its events.
CLAUSE_BREAK: dict[str, str] = {
    "en": r";|,\s+(?:and|but|while|whereas|then)\b|\s+(?:while|whereas)\s|\s+and then\s",
    "sq": r";|,\s+(?:dhe|por|ndërsa|kurse|pastaj)\b|\s+(?:ndërsa|kurse)\s",
    "fa": r"؛|;|،\s*(?:و|اما|ولی)\s|\s+(?:اما|ولی|در حالی که)\s",
}

TITLES = {
    "en": ["mr", "mrs", "ms", "miss", "dr"],
    "sq": ["z", "zj", "znj", "zonja", "zoti"],
    "fa": ["آقای", "خانم", "دکتر"],
}

PRONOUNS: dict[str, str] = {
    "en": r"\b(?:he|she|they|him|her|his|them)\b",
    "sq": r"\b(?:ai|ajo|ata|ato|atë|atij|asaj)\b",
    "fa": r"(?<![^\s])(?:او|وی|ایشان)(?![^\s.،])",
}

# Capitalised words that start sentences or name things, never persons.
NOT_NAMES = set(
    """
the a an on in at of for to from by with and or but he she they his her their it its this that these those
we our us i my you your dear sir madam mr mrs ms dr mister minister ministry police court prosecutor office
department directorate camp prison centre center detention border service embassy republic government
today yesterday since until after before during when while then there here letter subject re date dear
january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday signed sincerely regards yours respectfully
farvardin ordibehesht khordad tir mordad shahrivar mehr aban azar dey bahman esfand
në më pas para gjatë ai ajo ata ato ky kjo i e të me për nga dhe ose por se sot dje data lënda
janar shkurt prill qershor korrik gusht shtator tetor nëntor dhjetor zoti zonja i nderuar e nderuar
ministria ministrisë policia policisë gjykata gjykatës prokuroria kampi kampit burgu burgut qendra qendrën
shoqata familja familjes letër letra nënshkruar me respekt hyrje
we association families families' family information reply answer according international
""".split()
)

EN_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
EN_MONTHS_SHORT = [
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
]
SQ_MONTHS = [
    "janar",
    "shkurt",
    "mars",
    "prill",
    "maj",
    "qershor",
    "korrik",
    "gusht",
    "shtator",
    "tetor",
    "nëntor",
    "dhjetor",
]
SQ_MONTH_FORMS = [
    ["janarit"],
    ["shkurtit"],
    ["marsit"],
    ["prillit"],
    ["majit"],
    ["qershorit"],
    ["korrikut"],
    ["gushtit"],
    ["shtatorit"],
    ["tetorit"],
    ["nëntorit", "nentor", "nentorit"],
    ["dhjetorit"],
]
FA_GREGORIAN_MONTHS = [
    ["ژانویه", "ژانویهٔ"],
    ["فوریه"],
    ["مارس"],
    ["آوریل", "آپریل"],
    ["مه", "می"],
    ["ژوئن"],
    ["ژوئیه", "جولای"],
    ["اوت", "آگوست"],
    ["سپتامبر"],
    ["اکتبر"],
    ["نوامبر"],
    ["دسامبر"],
]
SOLAR_MONTHS = [
    ["فروردین", "farvardin"],
    ["اردیبهشت", "ordibehesht"],
    ["خرداد", "khordad"],
    ["تیر", "tir"],
    ["مرداد", "mordad"],
    ["شهریور", "shahrivar"],
    ["مهر", "mehr"],
    ["آبان", "aban"],
    ["آذر", "azar"],
    ["دی", "dey"],
    ["بهمن", "bahman"],
    ["اسفند", "esfand"],
]

# Numbers written as words, for days ("the fifth of", "پنجم") and durations ("five months").
EN_NUMBERS = {
    "one": 1,
    "a": 1,
    "an": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
}
EN_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "thirtieth": 30,
}
SQ_NUMBERS = {
    "një": 1,
    "dy": 2,
    "tre": 3,
    "tri": 3,
    "katër": 4,
    "pesë": 5,
    "gjashtë": 6,
    "shtatë": 7,
    "tetë": 8,
    "nëntë": 9,
    "dhjetë": 10,
    "njëmbëdhjetë": 11,
    "dymbëdhjetë": 12,
    "njëzet": 20,
    "tridhjetë": 30,
    "dyzet": 40,
}
FA_NUMBERS = {
    "یک": 1,
    "دو": 2,
    "سه": 3,
    "چهار": 4,
    "پنج": 5,
    "شش": 6,
    "شیش": 6,
    "هفت": 7,
    "هشت": 8,
    "نه": 9,
    "ده": 10,
    "یازده": 11,
    "دوازده": 12,
    "سیزده": 13,
    "چهارده": 14,
    "پانزده": 15,
    "شانزده": 16,
    "هفده": 17,
    "هجده": 18,
    "نوزده": 19,
    "بیست": 20,
    "سی": 30,
    "چهل": 40,
}
FA_ORDINALS = {
    "اول": 1,
    "یکم": 1,
    "دوم": 2,
    "سوم": 3,
    "چهارم": 4,
    "پنجم": 5,
    "ششم": 6,
    "هفتم": 7,
    "هشتم": 8,
    "نهم": 9,
    "دهم": 10,
    "یازدهم": 11,
    "دوازدهم": 12,
    "سیزدهم": 13,
    "چهاردهم": 14,
    "پانزدهم": 15,
    "شانزدهم": 16,
    "هفدهم": 17,
    "هجدهم": 18,
    "نوزدهم": 19,
    "بیستم": 20,
    "سی‌ام": 30,
    "سیام": 30,
    "سی ام": 30,
}

# Units of a duration, in days (months and years are counted on the calendar when anchored).
UNITS: dict[str, tuple[str, int]] = {
    "day": ("day", 1),
    "days": ("day", 1),
    "week": ("week", 7),
    "weeks": ("week", 7),
    "month": ("month", 30),
    "months": ("month", 30),
    "year": ("year", 365),
    "years": ("year", 365),
    "ditë": ("day", 1),
    "ditë,": ("day", 1),
    "javë": ("week", 7),
    "muaj": ("month", 30),
    "vit": ("year", 365),
    "muajsh": ("month", 30),
    "vjetësh": ("year", 365),
    "ditësh": ("day", 1),
    "javësh": ("week", 7),
    "vjet": ("year", 365),
    "vite": ("year", 365),
    "روز": ("day", 1),
    "هفته": ("week", 7),
    "ماه": ("month", 30),
    "سال": ("year", 365),
}

# Common given names, for Persian text (which has no capitals) and for a name that opens
# a sentence; the persons already recorded add theirs.
GIVEN_NAMES_FA = set(
    """
داریوش  علی محمد حسین حسن رضا مهدی امیر کیان امید سعید مجید حمید جواد کاظم ابراهیم اسماعیل یوسف
داوود مرتضی مصطفی احمد محمود بهروز بهزاد فرهاد فرزاد کامران کوروش آرش بابک پیمان پویا نوید
رامین شهرام شاهین سیاوش مسعود ناصر هادی وحید یاسر یونس جمشید منصور نادر غلامرضا عباس
مریم زهرا فاطمه زینب سارا نرگس نسرین شیرین مینا لیلا نازنین پریسا پروین سمیرا الهام فریبا
مهسا مهناز سودابه ژیلا آزاده رویا ستاره شیما نیلوفر هانیه گلاره ترانه بهاره آناهیتا سیما
""".split()
)
GIVEN_NAMES_LATIN = set(
    """
kian omid saeed majid hamid javad kazem reza ali hossein hassan mehdi amir arash babak farhad
maryam zahra fatemeh sara narges nasrin shirin mina leila parisa samira elham mahsa roya setareh
arben arta besnik blerta dritan drita fatmir flutura genc gentiana ilir jeta kujtim lindita
luan mimoza nexhat qendresa shpend valbona vjosa agron albana ardit besa edona fitim liridon
""".split()
)
