"""Prefectures, cities and town areas where the synthetic population lives.

Town areas carry their real postal codes and the city's telephone area code; street
numbers (丁目・番地) are synthetic. City numbers (used as the 郡市区番号 of facility codes)
are fictitious. Prefecture weights follow the 2020 census population (millions).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Town:
    name: str  # 町域, e.g. "西新宿"
    postal_code: str  # "160-0023"
    chome: bool = True  # whether addresses use 丁目


@dataclass(frozen=True, slots=True)
class City:
    name: str  # "新宿区", "横浜市中区"
    number: str  # 2-digit 郡市区番号 (fictitious)
    area_code: str  # "03"
    towns: tuple[Town, ...]


@dataclass(frozen=True, slots=True)
class Prefecture:
    code: str  # "13"
    name: str  # "東京都"
    weight: float  # population, millions
    cities: tuple[City, ...]


PREFECTURES: tuple[Prefecture, ...] = (
    Prefecture(
        "13",
        "東京都",
        14.0,
        (
            City(
                "千代田区",
                "01",
                "03",
                (Town("丸の内", "100-0005"), Town("千代田", "100-0001", False)),
            ),
            City("新宿区", "02", "03", (Town("西新宿", "160-0023"), Town("高田馬場", "169-0075"))),
            City(
                "世田谷区",
                "03",
                "03",
                (
                    Town("三軒茶屋", "154-0024"),
                    Town("用賀", "158-0097"),
                    Town("太子堂", "154-0004"),
                ),
            ),
            City("練馬区", "04", "03", (Town("豊玉北", "176-0012"), Town("石神井町", "177-0041"))),
            City("大田区", "05", "03", (Town("蒲田", "144-0052"), Town("大森北", "143-0016"))),
            City(
                "八王子市",
                "06",
                "042",
                (Town("元本郷町", "192-0051"), Town("横山町", "192-0081", False)),
            ),
        ),
    ),
    Prefecture(
        "14",
        "神奈川県",
        9.2,
        (
            City("横浜市中区", "01", "045", (Town("本町", "231-0005"),)),
            City("横浜市港北区", "02", "045", (Town("日吉", "223-0061"),)),
            City("横浜市青葉区", "03", "045", (Town("あざみ野", "225-0011"),)),
            City("川崎市中原区", "04", "044", (Town("小杉町", "211-0063"),)),
            City("相模原市中央区", "05", "042", (Town("中央", "252-0239"),)),
        ),
    ),
    Prefecture(
        "27",
        "大阪府",
        8.8,
        (
            City("大阪市北区", "01", "06", (Town("梅田", "530-0001"),)),
            City("大阪市阿倍野区", "02", "06", (Town("阿倍野筋", "545-0052"),)),
            City("堺市堺区", "03", "072", (Town("南瓦町", "590-0078", False),)),
            City("豊中市", "04", "06", (Town("中桜塚", "561-0881"),)),
        ),
    ),
    Prefecture(
        "23",
        "愛知県",
        7.5,
        (
            City("名古屋市中区", "01", "052", (Town("栄", "460-0008"),)),
            City("名古屋市千種区", "02", "052", (Town("今池", "464-0850"),)),
            City("名古屋市中村区", "03", "052", (Town("名駅", "450-0002"),)),
            City("豊田市", "04", "0565", (Town("西町", "471-0025"),)),
        ),
    ),
    Prefecture(
        "01",
        "北海道",
        5.2,
        (
            City("札幌市中央区", "01", "011", (Town("北一条西", "060-0001"),)),
            City("札幌市豊平区", "02", "011", (Town("平岸一条", "062-0931"),)),
        ),
    ),
    Prefecture(
        "40",
        "福岡県",
        5.1,
        (
            City("福岡市博多区", "01", "092", (Town("博多駅前", "812-0011"),)),
            City("福岡市中央区", "02", "092", (Town("天神", "810-0001"),)),
            City("北九州市小倉北区", "03", "093", (Town("城内", "803-0813", False),)),
            City("久留米市", "04", "0942", (Town("城南町", "830-0022", False),)),
        ),
    ),
    Prefecture(
        "22",
        "静岡県",
        3.6,
        (
            City("静岡市葵区", "01", "054", (Town("追手町", "420-0853", False),)),
            City("静岡市駿河区", "02", "054", (Town("登呂", "422-8033"),)),
            City("浜松市中央区", "03", "053", (Town("元城町", "430-0946", False),)),
        ),
    ),
    Prefecture(
        "34",
        "広島県",
        2.8,
        (
            City("広島市中区", "01", "082", (Town("基町", "730-0011", False),)),
            City("広島市南区", "02", "082", (Town("松原町", "732-0822", False),)),
        ),
    ),
    Prefecture(
        "04",
        "宮城県",
        2.3,
        (
            City("仙台市青葉区", "01", "022", (Town("国分町", "980-0803"),)),
            City("仙台市宮城野区", "02", "022", (Town("榴岡", "983-0852"),)),
        ),
    ),
    Prefecture(
        "33",
        "岡山県",
        1.9,
        (
            City("岡山市北区", "01", "086", (Town("大供", "700-0913"),)),
            City("倉敷市", "02", "086", (Town("西中新田", "710-0833", False),)),
        ),
    ),
    Prefecture(
        "42", "長崎県", 1.3, (City("長崎市", "01", "095", (Town("桜町", "850-0031", False),)),)
    ),
    Prefecture(
        "39",
        "高知県",
        0.7,
        (
            City(
                "高知市", "01", "088", (Town("本町", "780-0870"), Town("五台山", "781-8125", False))
            ),
        ),
    ),
    Prefecture(
        "32", "島根県", 0.66, (City("松江市", "01", "0852", (Town("殿町", "690-0887", False),)),)
    ),
)

BY_CODE = {p.code: p for p in PREFECTURES}


def active_prefectures(patients: int) -> tuple[Prefecture, ...]:
    """The prefectures a population of this size lives in: the most populous first, one
    more for every 800 people, at least two."""
    count = max(2, min(len(PREFECTURES), 1 + patients // 800))
    return PREFECTURES[:count]
