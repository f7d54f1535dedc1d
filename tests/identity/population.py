"""A labelled synthetic population for evaluating the patient index.

People live in households (shared family name, address and landline; before 2021 a
household shared one insurance 記号・番号 and only 枝番 told its members apart). Each
person appears in several source records from different facilities and formats, each
written with the noise real systems show: kana in half-width, katakana or hiragana,
large kana for small (キヨウコ), variant kanji (髙橋, 齋藤), 外字 written as ■, typos in
kana and kanji, birth-date typos (a day off, day/month swapped), moves, married-name
changes, twins, changed insurance and missing member ids. ``Record.person`` is the truth.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import jaconv

from kizuna.fhir import jpcore

NAME_EXT = "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation"

# (kanji, katakana reading, weight, variant forms of the kanji)
FAMILIES: list[tuple[str, str, int, tuple[str, ...]]] = [
    ("佐藤", "サトウ", 190, ()),
    ("鈴木", "スズキ", 180, ()),
    ("高橋", "タカハシ", 140, ("髙橋",)),
    ("田中", "タナカ", 130, ()),
    ("伊藤", "イトウ", 110, ()),
    ("渡辺", "ワタナベ", 110, ("渡邊", "渡邉")),
    ("山本", "ヤマモト", 110, ()),
    ("中村", "ナカムラ", 100, ()),
    ("小林", "コバヤシ", 100, ()),
    ("加藤", "カトウ", 90, ()),
    ("吉田", "ヨシダ", 80, ()),
    ("山田", "ヤマダ", 80, ()),
    ("佐々木", "ササキ", 70, ()),
    ("山口", "ヤマグチ", 60, ()),
    ("松本", "マツモト", 60, ()),
    ("井上", "イノウエ", 60, ()),
    ("木村", "キムラ", 60, ()),
    ("林", "ハヤシ", 50, ()),
    ("斎藤", "サイトウ", 50, ("齋藤", "齊藤")),
    ("斉藤", "サイトウ", 30, ()),
    ("清水", "シミズ", 50, ()),
    ("山崎", "ヤマザキ", 45, ("山﨑",)),
    ("森", "モリ", 45, ()),
    ("池田", "イケダ", 45, ()),
    ("橋本", "ハシモト", 45, ()),
    ("阿部", "アベ", 45, ()),
    ("石川", "イシカワ", 40, ()),
    ("山下", "ヤマシタ", 40, ()),
    ("中島", "ナカジマ", 40, ("中嶋",)),
    ("石井", "イシイ", 38, ()),
    ("小川", "オガワ", 38, ()),
    ("前田", "マエダ", 37, ()),
    ("岡田", "オカダ", 37, ()),
    ("長谷川", "ハセガワ", 36, ()),
    ("藤田", "フジタ", 36, ()),
    ("後藤", "ゴトウ", 36, ()),
    ("近藤", "コンドウ", 35, ()),
    ("村上", "ムラカミ", 34, ()),
    ("遠藤", "エンドウ", 33, ()),
    ("青木", "アオキ", 32, ()),
    ("坂本", "サカモト", 32, ()),
    ("伊東", "イトウ", 20, ()),
    ("藤井", "フジイ", 30, ()),
    ("西村", "ニシムラ", 30, ()),
    ("福田", "フクダ", 30, ()),
    ("太田", "オオタ", 29, ()),
    ("三浦", "ミウラ", 29, ()),
    ("藤原", "フジワラ", 28, ()),
    ("岡本", "オカモト", 28, ()),
    ("松田", "マツダ", 28, ()),
    ("中川", "ナカガワ", 28, ()),
    ("中野", "ナカノ", 27, ()),
    ("原田", "ハラダ", 27, ()),
    ("小野", "オノ", 27, ()),
    ("田村", "タムラ", 27, ()),
    ("竹内", "タケウチ", 26, ()),
    ("金子", "カネコ", 26, ()),
    ("和田", "ワダ", 25, ()),
    ("中山", "ナカヤマ", 25, ()),
    ("石田", "イシダ", 25, ()),
    ("上田", "ウエダ", 24, ()),
    ("森田", "モリタ", 24, ()),
    ("柴田", "シバタ", 23, ()),
    ("酒井", "サカイ", 23, ()),
    ("工藤", "クドウ", 22, ()),
    ("横山", "ヨコヤマ", 22, ()),
    ("宮崎", "ミヤザキ", 22, ("宮﨑",)),
    ("宮本", "ミヤモト", 22, ()),
    ("内田", "ウチダ", 21, ()),
    ("高木", "タカギ", 21, ("髙木",)),
    ("安藤", "アンドウ", 21, ()),
    ("島田", "シマダ", 20, ("嶋田",)),
    ("大野", "オオノ", 20, ()),
    ("丸山", "マルヤマ", 20, ()),
    ("今井", "イマイ", 20, ()),
    ("河野", "コウノ", 19, ()),
    ("藤本", "フジモト", 19, ()),
    ("村田", "ムラタ", 19, ()),
    ("武田", "タケダ", 19, ()),
    ("上野", "ウエノ", 18, ()),
    ("杉山", "スギヤマ", 18, ()),
    ("増田", "マスダ", 18, ()),
    ("大塚", "オオツカ", 17, ()),
    ("千葉", "チバ", 17, ()),
    ("久保", "クボ", 17, ()),
    ("松井", "マツイ", 17, ()),
    ("野口", "ノグチ", 16, ()),
    ("桜井", "サクライ", 16, ("櫻井",)),
    ("渡部", "ワタナベ", 12, ()),
    ("菊地", "キクチ", 15, ()),
    ("菊池", "キクチ", 15, ()),
    ("浜田", "ハマダ", 14, ("濱田",)),
    ("沢田", "サワダ", 14, ("澤田",)),
    ("広瀬", "ヒロセ", 13, ("廣瀬",)),
    ("富田", "トミタ", 13, ("冨田",)),
    ("関", "セキ", 12, ("關",)),
    ("国分", "コクブ", 8, ("國分",)),
    ("辺見", "ヘンミ", 5, ("邊見",)),
    ("大和田", "オオワダ", 8, ()),
]

MALE: list[tuple[str, str, int, tuple[str, ...]]] = [
    ("翔太", "ショウタ", 30, ()),
    ("大輔", "ダイスケ", 30, ()),
    ("健太", "ケンタ", 30, ()),
    ("拓也", "タクヤ", 28, ()),
    ("直樹", "ナオキ", 25, ()),
    ("誠", "マコト", 30, ()),
    ("浩", "ヒロシ", 35, ()),
    ("博", "ヒロシ", 25, ()),
    ("隆", "タカシ", 30, ()),
    ("健一", "ケンイチ", 25, ()),
    ("大樹", "ダイキ", 22, ()),
    ("翔", "ショウ", 18, ()),
    ("蓮", "レン", 20, ()),
    ("悠真", "ユウマ", 15, ()),
    ("陽翔", "ハルト", 20, ()),
    ("湊", "ミナト", 15, ()),
    ("大翔", "ヒロト", 18, ()),
    ("樹", "イツキ", 15, ()),
    ("修", "オサム", 25, ()),
    ("清", "キヨシ", 25, ("淸",)),
    ("茂", "シゲル", 25, ()),
    ("勇", "イサム", 20, ()),
    ("和夫", "カズオ", 25, ()),
    ("正", "タダシ", 25, ()),
    ("達也", "タツヤ", 22, ()),
    ("和也", "カズヤ", 22, ()),
    ("哲也", "テツヤ", 20, ()),
    ("雄一", "ユウイチ", 18, ()),
    ("亮", "リョウ", 20, ()),
    ("涼太", "リョウタ", 18, ()),
    ("翔平", "ショウヘイ", 18, ()),
    ("駿", "シュン", 15, ()),
    ("隼人", "ハヤト", 15, ()),
    ("優斗", "ユウト", 18, ()),
    ("颯太", "ソウタ", 15, ()),
    ("龍之介", "リュウノスケ", 10, ("竜之介",)),
    ("慎吾", "シンゴ", 12, ()),
    ("康弘", "ヤスヒロ", 15, ()),
    ("秀樹", "ヒデキ", 15, ()),
    ("広志", "ヒロシ", 10, ("廣志",)),
    ("真一", "シンイチ", 15, ("眞一",)),
    ("恭平", "キョウヘイ", 10, ()),
    ("俊介", "シュンスケ", 12, ()),
    ("雄大", "ユウダイ", 12, ()),
    ("徳男", "トクオ", 8, ("德男",)),
]

FEMALE: list[tuple[str, str, int, tuple[str, ...]]] = [
    ("陽子", "ヨウコ", 25, ()),
    ("洋子", "ヨウコ", 25, ()),
    ("恵子", "ケイコ", 30, ("惠子",)),
    ("京子", "キョウコ", 25, ()),
    ("幸子", "サチコ", 25, ()),
    ("由美子", "ユミコ", 22, ()),
    ("真由美", "マユミ", 20, ("眞由美",)),
    ("久美子", "クミコ", 20, ()),
    ("智子", "トモコ", 25, ()),
    ("裕子", "ユウコ", 22, ()),
    ("優子", "ユウコ", 22, ()),
    ("明美", "アケミ", 20, ()),
    ("直美", "ナオミ", 20, ()),
    ("美穂", "ミホ", 18, ()),
    ("愛", "アイ", 20, ()),
    ("彩", "アヤ", 15, ()),
    ("舞", "マイ", 15, ()),
    ("美咲", "ミサキ", 20, ()),
    ("陽菜", "ヒナ", 20, ()),
    ("結衣", "ユイ", 18, ()),
    ("葵", "アオイ", 18, ()),
    ("凛", "リン", 15, ("凜",)),
    ("芽依", "メイ", 12, ()),
    ("さくら", "サクラ", 15, ()),
    ("花子", "ハナコ", 8, ()),
    ("千尋", "チヒロ", 12, ()),
    ("真央", "マオ", 12, ("眞央",)),
    ("沙織", "サオリ", 15, ()),
    ("香織", "カオリ", 15, ()),
    ("恵美", "エミ", 15, ("惠美",)),
    ("麻衣", "マイ", 15, ()),
    ("由佳", "ユカ", 15, ()),
    ("千晶", "チアキ", 10, ()),
    ("瑞穂", "ミズホ", 10, ("瑞穗",)),
    ("美紀", "ミキ", 15, ()),
    ("紀子", "ノリコ", 18, ()),
    ("静香", "シズカ", 12, ("靜香",)),
    ("桜子", "サクラコ", 8, ("櫻子",)),
    ("澄子", "スミコ", 12, ()),
    ("節子", "セツコ", 15, ()),
    ("綾乃", "アヤノ", 10, ()),
    ("美優", "ミユ", 10, ()),
]

# Real names are far more varied than the lists above: a long tail of rarer names is
# composed from common parts (readings joined without sound changes, which is enough for
# matching). The lists above carry about 60% of the weight, the tail the rest.
FAMILY_HEADS = [
    ("山", "ヤマ"),
    ("中", "ナカ"),
    ("小", "コ"),
    ("大", "オオ"),
    ("石", "イシ"),
    ("松", "マツ"),
    ("竹", "タケ"),
    ("岡", "オカ"),
    ("森", "モリ"),
    ("西", "ニシ"),
    ("北", "キタ"),
    ("長", "ナガ"),
    ("宮", "ミヤ"),
    ("平", "ヒラ"),
    ("今", "イマ"),
    ("金", "カネ"),
    ("福", "フク"),
    ("原", "ハラ"),
    ("黒", "クロ"),
    ("白", "シロ"),
    ("高", "タカ"),
    ("浅", "アサ"),
    ("荒", "アラ"),
    ("杉", "スギ"),
    ("横", "ヨコ"),
]
FAMILY_TAILS = [
    ("田", "タ"),
    ("川", "カワ"),
    ("本", "モト"),
    ("村", "ムラ"),
    ("野", "ノ"),
    ("井", "イ"),
    ("口", "グチ"),
    ("原", "ハラ"),
    ("沢", "サワ"),
    ("谷", "タニ"),
    ("尾", "オ"),
    ("内", "ウチ"),
    ("部", "ベ"),
    ("橋", "ハシ"),
    ("島", "シマ"),
    ("崎", "サキ"),
    ("瀬", "セ"),
    ("江", "エ"),
    ("浦", "ウラ"),
    ("木", "キ"),
]
MALE_HEADS = [
    ("大", "ダイ"),
    ("健", "ケン"),
    ("拓", "タク"),
    ("翔", "ショウ"),
    ("直", "ナオ"),
    ("和", "カズ"),
    ("雄", "ユウ"),
    ("康", "ヤス"),
    ("秀", "ヒデ"),
    ("達", "タツ"),
    ("俊", "シュン"),
    ("浩", "コウ"),
    ("修", "シュウ"),
    ("英", "エイ"),
    ("正", "マサ"),
    ("誠", "セイ"),
    ("光", "コウ"),
    ("悠", "ユウ"),
    ("陽", "ハル"),
    ("亮", "リョウ"),
    ("智", "トモ"),
    ("祐", "ユウ"),
    ("啓", "ケイ"),
    ("隆", "タカ"),
    ("義", "ヨシ"),
]
MALE_TAILS = [
    ("太", "タ"),
    ("介", "スケ"),
    ("也", "ヤ"),
    ("樹", "キ"),
    ("斗", "ト"),
    ("人", "ト"),
    ("輝", "キ"),
    ("平", "ヘイ"),
    ("一", "イチ"),
    ("郎", "ロウ"),
    ("司", "ジ"),
    ("彦", "ヒコ"),
    ("貴", "キ"),
    ("志", "シ"),
    ("吾", "ゴ"),
]
FEMALE_HEADS = [
    ("美", "ミ"),
    ("由", "ユ"),
    ("恵", "エ"),
    ("真", "マ"),
    ("智", "トモ"),
    ("裕", "ユウ"),
    ("明", "アケ"),
    ("奈", "ナ"),
    ("沙", "サ"),
    ("香", "カ"),
    ("千", "チ"),
    ("早", "サ"),
    ("里", "リ"),
    ("亜", "ア"),
    ("彩", "アヤ"),
    ("優", "ユウ"),
    ("佳", "カ"),
    ("幸", "サチ"),
    ("知", "チ"),
    ("菜", "ナ"),
]
FEMALE_TAILS = [
    ("子", "コ"),
    ("美", "ミ"),
    ("香", "カ"),
    ("奈", "ナ"),
    ("恵", "エ"),
    ("穂", "ホ"),
    ("紀", "キ"),
    ("代", "ヨ"),
    ("江", "エ"),
    ("里", "リ"),
    ("希", "キ"),
    ("佳", "カ"),
    ("花", "カ"),
    ("乃", "ノ"),
    ("絵", "エ"),
]


def _tail(
    heads: list[tuple[str, str]], tails: list[tuple[str, str]], weight: float, known: set[str]
) -> list[tuple[str, str, float, tuple[str, ...]]]:
    names = [(h + t, hk + tk) for h, hk in heads for t, tk in tails if h != t]
    names = [n for n in names if n[0] not in known]
    return [(kanji, kana, weight / len(names), ()) for kanji, kana in names]


PLACES = [  # (prefecture, city, postal prefix 3 digits, area code)
    ("東京都", "千代田区", "100", "03"),
    ("東京都", "世田谷区", "154", "03"),
    ("東京都", "八王子市", "192", "042"),
    ("神奈川県", "横浜市港北区", "223", "045"),
    ("神奈川県", "川崎市中原区", "211", "044"),
    ("大阪府", "大阪市北区", "530", "06"),
    ("大阪府", "堺市堺区", "590", "072"),
    ("愛知県", "名古屋市中区", "460", "052"),
    ("北海道", "札幌市中央区", "060", "011"),
    ("福岡県", "福岡市博多区", "812", "092"),
    ("広島県", "広島市中区", "730", "082"),
    ("宮城県", "仙台市青葉区", "980", "022"),
    ("岡山県", "倉敷市", "710", "086"),
    ("島根県", "松江市", "690", "0852"),
    ("長崎県", "長崎市", "850", "095"),
    ("埼玉県", "さいたま市浦和区", "330", "048"),
]
TOWNS = ["本町", "中央", "栄町", "旭町", "緑町", "東町", "西町", "南町", "北町", "桜町", "若葉"]

# A kana typo: one kana replaced by one that looks or sounds alike.
KANA_TYPOS = {
    "シ": "ツ",
    "ツ": "シ",
    "ソ": "ン",
    "ン": "ソ",
    "ウ": "ワ",
    "タ": "ダ",
    "ダ": "タ",
    "カ": "ガ",
    "サ": "ザ",
    "コ": "ゴ",
    "キ": "ギ",
    "ハ": "バ",
    "ヒ": "ビ",
    "ト": "ド",
    "ユ": "ヨ",
    "ヨ": "ユ",
    "リ": "イ",
    "ミ": "ニ",
    "ナ": "ア",
    "オ": "ヲ",
    "ケ": "ゲ",
}
KANJI_TYPOS = {
    "藤": "籐",
    "田": "由",
    "木": "本",
    "本": "木",
    "子": "了",
    "美": "実",
    "太": "大",
    "大": "太",
    "一": "ー",
    "川": "州",
    "島": "鳥",
    "浩": "活",
    "健": "建",
    "恵": "慧",
}
SMALL = str.maketrans("ャュョッァィゥェォ", "ヤユヨツアイウエオ")
FORMATS = ("ssmix2", "uke", "jahis-tc", "jahis-rx", "checkup")


@dataclass
class Name:
    kanji: str
    kana: str
    variants: tuple[str, ...] = ()


@dataclass
class Home:
    place: tuple[str, str, str, str]
    postal: str
    street: tuple[int, int, int]
    phone: str


@dataclass
class Person:
    person_id: str
    family: Name
    given: Name
    sex: str
    birth: date
    homes: list[Home]
    mobile: str | None
    members: list[str]  # insurance member ids over time, newest last
    maiden: Name | None = None  # the family name before marriage
    kind: str = "plain"  # plain | twin | married | moved | child


@dataclass
class Record:
    record_id: str
    person: str  # the truth
    format: str
    facility: str
    patient: dict[str, Any]
    kind: str = "plain"


@dataclass
class Population:
    persons: list[Person] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)


NameTable = list[tuple[str, str, float, tuple[str, ...]]]


def _with_tail(
    table: NameTable, heads: list[tuple[str, str]], tails: list[tuple[str, str]]
) -> NameTable:
    common = sum(t[2] for t in table)
    return table + _tail(heads, tails, common * 2 / 3, {t[0] for t in table})


FAMILY_TABLE = _with_tail(FAMILIES, FAMILY_HEADS, FAMILY_TAILS)  # type: ignore[arg-type]
MALE_TABLE = _with_tail(MALE, MALE_HEADS, MALE_TAILS)  # type: ignore[arg-type]
FEMALE_TABLE = _with_tail(FEMALE, FEMALE_HEADS, FEMALE_TAILS)  # type: ignore[arg-type]


def _pick(rng: random.Random, table: NameTable) -> Name:
    kanji, kana, _, variants = rng.choices(table, weights=[t[2] for t in table])[0]
    return Name(kanji, kana, variants)


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


class Generator:
    """Builds persons in households, then noisy records of them."""

    def __init__(self, seed: int, noise: float = 1.0) -> None:
        self.rng = random.Random(seed)
        self.noise = noise
        self.count = 0
        self.charts: dict[tuple[str, str], str] = {}
        self.facilities = [
            f"{self.rng.randint(1, 47):02d}1{_digits(self.rng, 7)}" for _ in range(60)
        ]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p * self.noise

    # -- persons ---------------------------------------------------------------------------
    def home(self) -> Home:
        rng = self.rng
        place = rng.choice(PLACES)
        postal = place[2] + _digits(rng, 4)
        phone = place[3] + _digits(rng, 10 - len(place[3]))
        return Home(
            place, postal, (rng.randint(1, 9), rng.randint(1, 30), rng.randint(1, 20)), phone
        )

    def person(
        self,
        family: Name,
        sex: str,
        birth: date,
        home: Home,
        member: str,
        kind: str = "plain",
        siblings: tuple[Person, ...] = (),
    ) -> Person:
        """A person; brothers and sisters (and twins) never share a given name or reading."""
        self.count += 1
        taken = {p.given.kana for p in siblings}
        given = _pick(self.rng, MALE_TABLE if sex == "male" else FEMALE_TABLE)
        while given.kana in taken:
            given = _pick(self.rng, MALE_TABLE if sex == "male" else FEMALE_TABLE)
        mobile = "090" + _digits(self.rng, 8) if self.rng.random() < 0.6 else None
        return Person(
            f"P{self.count:07d}", family, given, sex, birth, [home], mobile, [member], kind=kind
        )

    def birth(self, start: int, end: int) -> date:
        return date(start, 1, 1) + timedelta(days=self.rng.randint(0, (end - start) * 365))

    def member(self, insurer: str, symbol: str, number: str, branch: int) -> str:
        return jpcore.insurance_member_value(insurer, symbol, number, f"{branch:02d}")

    def household(self) -> list[Person]:
        rng = self.rng
        family = _pick(rng, FAMILY_TABLE)
        home = self.home()
        insurer, symbol, number = (
            f"{rng.randint(1, 47):02d}{_digits(rng, 6)}",
            _digits(rng, 4),
            _digits(rng, 5),
        )
        adult_sex = rng.choice(("male", "female"))
        people = [
            self.person(
                family,
                adult_sex,
                self.birth(1940, 1995),
                home,
                self.member(insurer, symbol, number, 1),
            )
        ]
        if rng.random() < 0.6:
            spouse_birth = people[0].birth + timedelta(days=rng.randint(-2000, 2000))
            spouse = self.person(
                family,
                "female" if adult_sex == "male" else "male",
                spouse_birth,
                home,
                self.member(insurer, symbol, number, 2),
            )
            self.maybe_married(spouse)
            people.append(spouse)
        branch = 3
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            year = min(people[0].birth.year + rng.randint(22, 38), 2022)
            birth = self.birth(year, year + 1)
            twins = 2 if rng.random() < 0.08 else 1
            for _ in range(twins):
                child = self.person(
                    family,
                    rng.choice(("male", "female")),
                    birth,
                    home,
                    self.member(insurer, symbol, number, branch),
                    "twin" if twins == 2 else "child",
                    tuple(people),
                )
                branch += 1
                people.append(child)
        for p in people:
            self.life_events(p)
        return people

    def maybe_married(self, spouse: Person) -> None:
        if spouse.sex == "female" and self.rng.random() < 0.35:
            spouse.maiden = _pick(self.rng, FAMILY_TABLE)
            spouse.kind = "married"

    def life_events(self, p: Person) -> None:
        if self.rng.random() < 0.3:
            p.homes.append(self.home())
            p.kind = p.kind if p.kind != "plain" else "moved"
        if self.rng.random() < 0.35:
            rng = self.rng
            p.members.append(
                self.member(
                    f"{rng.randint(1, 47):02d}{_digits(rng, 6)}",
                    _digits(rng, 3),
                    _digits(rng, 6),
                    1,
                )
            )

    # -- records -----------------------------------------------------------------------------
    def records_of(self, p: Person) -> list[Record]:
        n = 1 + min(self.rng.choices((0, 1, 2, 3, 4), weights=(20, 35, 25, 13, 7))[0], 4)
        return [self.record(p, i) for i in range(n)]

    def record(self, p: Person, i: int) -> Record:
        rng = self.rng
        fmt = rng.choice(FORMATS)
        facility = rng.choice(self.facilities)
        before = p.maiden is not None and rng.random() < 0.4  # a record from before marriage
        family = p.maiden if before and p.maiden else p.family
        home = p.homes[0] if before or len(p.homes) == 1 or rng.random() < 0.4 else p.homes[-1]
        patient: dict[str, Any] = {
            "resourceType": "Patient",
            "identifier": self.identifiers(p, fmt, facility),
        }
        patient["name"] = self.names(family, p.given, fmt)
        patient["gender"] = (
            p.sex if not self.chance(0.002) else ("male" if p.sex == "female" else "female")
        )
        patient["birthDate"] = self.noisy_birth(p.birth).isoformat()
        if fmt != "uke" and rng.random() < 0.8:
            patient["address"] = [self.address(home)]
        phones = [
            x
            for x in (
                home.phone if rng.random() < 0.6 else None,
                p.mobile if rng.random() < 0.5 else None,
            )
            if x
        ]
        if fmt not in ("uke", "checkup") and phones:
            patient["telecom"] = [{"system": "phone", "value": self.phone_text(x)} for x in phones]
        if not patient["identifier"]:
            patient.pop("identifier")
        self.count += 1
        return Record(f"R{self.count:08d}", p.person_id, fmt, facility, patient, p.kind)

    def identifiers(self, p: Person, fmt: str, facility: str) -> list[dict[str, str]]:
        rng = self.rng
        ids = []
        if fmt in ("ssmix2", "uke", "jahis-rx"):
            chart = self.charts.setdefault((p.person_id, facility), _digits(rng, 8))
            ids.append({"system": jpcore.local_patient_system(facility), "value": chart})
        if fmt in ("uke", "jahis-rx", "checkup") and rng.random() < 0.5:
            member = rng.choice(p.members)
            if rng.random() < 0.5:  # full-width digits, as some documents write them
                member = member.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
            ids.append({"system": jpcore.INSURANCE_MEMBER_ID, "value": member})
        return ids

    def names(self, family: Name, given: Name, fmt: str) -> list[dict[str, Any]]:
        out = []
        if self.rng.random() < 0.97:
            out.append(self.human_name(self.kanji(family), self.kanji(given), "IDE"))
        if self.rng.random() < 0.9 or not out:
            style = self.rng.random()
            if fmt == "uke":
                style /= 2
            kana = (self.kana(family.kana, style), self.kana(given.kana, style))
            out.append(self.human_name(*kana, "SYL"))
        return out

    def human_name(self, family: str, given: str, code: str) -> dict[str, Any]:
        rng = self.rng
        space = rng.choice(("\u3000", " ")) if rng.random() < 0.95 else ""
        name: dict[str, Any] = {
            "extension": [{"url": NAME_EXT, "valueCode": code}],
            "use": "official",
            "text": f"{family}{space}{given}",
        }
        if space and rng.random() < 0.7:
            name["family"], name["given"] = family, [given]
        return name

    def kanji(self, name: Name) -> str:
        text = name.kanji
        if name.variants and self.chance(0.3):
            text = self.rng.choice(name.variants)
        if self.chance(0.02):
            text = self.substitute(text, KANJI_TYPOS)
        if self.chance(0.008):
            i = self.rng.randrange(len(text))
            text = text[:i] + "■" + text[i + 1 :]
        return text

    def kana(self, text: str, style: float) -> str:
        """Katakana with noise, written half-width (style < .15), hiragana (< .3) or as is."""
        if self.chance(0.1):
            text = text.translate(SMALL)
        if self.chance(0.03):
            text = self.substitute(text, KANA_TYPOS)
        if style < 0.15:
            return str(jaconv.z2h(text, kana=True, ascii=False, digit=False))
        if style < 0.3:
            return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)
        return text

    def substitute(self, text: str, table: dict[str, str]) -> str:
        spots = [i for i, c in enumerate(text) if c in table]
        if not spots:
            return text
        i = self.rng.choice(spots)
        return text[:i] + table[text[i]] + text[i + 1 :]

    def noisy_birth(self, born: date) -> date:
        rng = self.rng
        if self.chance(0.015):
            return born + timedelta(days=rng.choice((-1, 1)))
        if self.chance(0.004) and born.day <= 12 and born.day != born.month:
            return born.replace(month=born.day, day=born.month)
        if self.chance(0.004):
            try:
                return born.replace(year=born.year + rng.choice((-10, -1, 1, 10)))
            except ValueError:
                return born
        return born

    def address(self, home: Home) -> dict[str, Any]:
        rng = self.rng
        pref, city, _, _ = home.place
        a, b, c = home.street
        town = TOWNS[(a + b) % len(TOWNS)]
        street = f"{town}{a}丁目{b}番{c}号" if rng.random() < 0.5 else f"{town}{a}-{b}-{c}"
        if rng.random() < 0.3:
            street = street.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
        address: dict[str, Any] = {"use": "home", "text": f"{pref}{city}{street}", "country": "JP"}
        if rng.random() < 0.7:
            address["postalCode"] = f"{home.postal[:3]}-{home.postal[3:]}"
        return address

    def phone_text(self, digits: str) -> str:
        if self.rng.random() < 0.5:
            return digits
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def generate(households: int, seed: int = 7, noise: float = 1.0) -> Population:
    gen = Generator(seed, noise)
    population = Population()
    for _ in range(households):
        for person in gen.household():
            population.persons.append(person)
            population.records.extend(gen.records_of(person))
    gen.rng.shuffle(population.records)
    return population
