"""Names of places and bodies that must survive scrubbing, even when they look like a person's.

Many Vietnamese places start with a family-name syllable (Thái Bình, Ninh Bình, Hà Tĩnh, Lâm
Đồng) or are made of given names (An Bình, Minh Khai, Hải Châu). A capitalised phrase found
here is a place unless a kin or honorific word stands right before it ("bà Thái Bình" is a
person). The administrative names come from the 2025 map as underthesea ships it
(``underthesea/address/data/mapping.json``, from vietnamadminunits): the 34 provinces and the
3,312 communes and wards it lists since 1 July 2025 (of the 3,321), and the 63 former
provinces, 696 former districts and 10,015 former wards people still write; 7,566 names of two
syllables or more in all. Countries and foreign cities are listed below in
their Vietnamese spelling.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from importlib.resources import files

#: Administrative prefixes dropped from a unit's name ("Phường An Bình" → "an bình").
_ADMIN_PREFIX = re.compile(
    r"^(?:thành phố|tỉnh|quận|huyện|thị xã|thị trấn|phường|xã|đặc khu)\s+", re.IGNORECASE
)

#: Countries, regions and foreign cities as Vietnamese text names them.
WORLD = """
việt nam|trung quốc|hàn quốc|triều tiên|nhật bản|thái lan|lào|campuchia|cam-pu-chia|malaysia|
singapore|indonesia|philippines|myanmar|brunei|đông timor|ấn độ|pakistan|bangladesh|nepal|
sri lanka|iran|iraq|israel|palestine|thổ nhĩ kỳ|ả rập xê út|qatar|kuwait|dubai|mông cổ|
đài loan|hồng kông|hong kong|ma cao|macau|nga|ukraine|belarus|ba lan|séc|slovakia|hungary|
romania|bulgaria|serbia|croatia|hy lạp|italy|ý|tây ban nha|bồ đào nha|pháp|đức|anh|scotland|
ireland|hà lan|bỉ|luxembourg|thụy sĩ|thụy điển|na uy|đan mạch|phần lan|áo|mỹ|hoa kỳ|canada|
mexico|cuba|brazil|argentina|chile|peru|colombia|venezuela|úc|australia|new zealand|ai cập|
nam phi|nigeria|kenya|ethiopia|angola|mozambique|algeria|maroc|châu á|châu âu|châu phi|châu mỹ|
châu úc|đông nam á|đông á|trung đông|bắc kinh|thượng hải|quảng châu|thâm quyến|vũ hán|hồ bắc|
quảng tây|quảng đông|vân nam|hải nam|tứ xuyên|hàng châu|nam kinh|thiên tân|trùng khánh|
seoul|busan|daegu|tokyo|osaka|kyoto|nagoya|yokohama|fukuoka|bangkok|viêng chăn|vientiane|
phnom penh|phnôm pênh|siem reap|kuala lumpur|jakarta|manila|yangon|new delhi|mumbai|paris|
london|berlin|moskva|matxcơva|mát-xcơ-va|washington|new york|los angeles|san francisco|
california|texas|sydney|melbourne|toronto|vancouver|daegu|incheon|đà lạt|sa pa|phú quốc|
côn đảo|hạ long|tây nguyên|tây bắc|đông bắc|nam bộ|bắc bộ|trung bộ|miền bắc|miền trung|
miền nam|đồng bằng sông cửu long|sông hồng|sông hương|sông hàn|mê kông|mekong|trường sa|
hoàng sa|biển đông|hồ gươm|hồ tây|hồ hoàn kiếm|tân sơn nhất|nội bài|vân đồn|cam ranh|
chợ rẫy|bạch mai|chợ bến thành|bến thành|lăng bác|văn miếu|quốc tử giám
"""


#: Old-style tone marks on "oa", "oe", "uy" ("Hoà", "Thuỷ") moved to where the 2025 map has
#: them ("Hòa", "Thủy"), so both spellings of a place match.
_OLD_TONES = re.compile(r"([oOuU])([àáảãạèéẻẽẹỳýỷỹỵ])(?![^\W\d_])")


def _move_tone(match: re.Match[str]) -> str:
    vowel, marked = match.groups()
    base, tone = unicodedata.normalize("NFD", marked)[0], unicodedata.normalize("NFD", marked)[1:]
    return unicodedata.normalize("NFC", vowel + tone) + base


def spelling(text: str) -> str:
    """``text`` lowercase, NFC, single-spaced, with the tone mark on the first vowel of a
    final "oa", "oe", "uy" ("hoà" → "hòa", "thuỷ" → "thủy")."""
    text = unicodedata.normalize("NFC", " ".join(text.split())).lower()
    return _OLD_TONES.sub(_move_tone, text)


def _name(text: str) -> str:
    return spelling(re.sub(r"\s+\d+$", "", text.strip()))


@cache
def places() -> frozenset[str]:
    """Every place name above and on the administrative map, lowercase NFC, of two syllables
    or more (a single syllable would shield a bare given name such as "Thanh")."""
    names = {_name(part) for part in WORLD.replace("\n", "").split("|") if part.strip()}
    mapping = json.loads(
        files("underthesea").joinpath("address/data/mapping.json").read_text(encoding="utf-8")
    )
    for table in ("province_names", "old_province_names"):
        for entry in mapping[table].values():
            names.add(_name(entry["short"]))
    for row in mapping["ward_mapping"]:
        for key in ("old_district", "old_ward", "new_ward"):
            if row.get(key):
                names.add(_name(_ADMIN_PREFIX.sub("", row[key])))
    return frozenset(
        n.replace(" - ", " ").replace("-", " ")
        for n in names
        if len(n.split()) >= 2 and not re.search(r"\d", n)
    )


@cache
def bare_places() -> frozenset[str]:
    """The places without diacritics (đ → d), for text typed without them ("Lam Dong")."""
    return frozenset(_bare(name) for name in places())


def _bare(text: str) -> str:
    stripped = "".join(
        c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)
    )
    return stripped.replace("đ", "d").replace("Đ", "D").lower()


@cache
def ordinary_words() -> frozenset[str]:
    """Vietnamese words of two syllables and more, lowercase (the Viet74K word list shipped in
    underthesea): "hoa phượng", "bố trí", "dương tính" are words, so their first syllable is no
    given name."""
    text = files("underthesea").joinpath("corpus/data/Viet74K.txt").read_text(encoding="utf-8")
    return frozenset(
        unicodedata.normalize("NFC", line.strip())
        for line in text.splitlines()
        if " " in line.strip() and line.strip() == line.strip().lower()
    )
