"""Build test workbooks at test time with openpyxl (no binary fixtures in the repository)."""

from __future__ import annotations

import datetime
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from households.excel.columns import AREA_COLUMNS, fact_columns, roster_columns
from tests.factories import GROUP_A1, next_id_number

TODAY = datetime.date(2026, 1, 1)
HOUSEHOLD_HEADERS = [c.header for c in roster_columns(TODAY)[0] if c.required]
MEMBER_HEADERS = [c.header for c in roster_columns(TODAY)[1]]
ROSTER_HEADERS = HOUSEHOLD_HEADERS + MEMBER_HEADERS
AREA_HEADERS = [c.header for c in AREA_COLUMNS]
FACT_HEADERS = [c.header for c in fact_columns(TODAY)]


def household_values(number: str = "HH-T-0001", area: str = GROUP_A1, **overrides: Any) -> dict[str, Any]:
    values = {
        "户编号": number,
        "区划代码": area,
        "地址": "箐口村一组1号",
        "联系电话": "13800000000",
        "户状态": "未脱贫",
        "贫困户属性": "一般贫困户",
        "识别标准": "国家标准",
        "建档立卡日期": datetime.date(2014, 10, 1),
        "脱贫年度": None,
        "主要致贫原因": "因病",
        "其他致贫原因": "缺资金",
        "住房面积": 80,
        "危房等级": "B",
        "易地搬迁": "否",
        "饮水安全": "是",
        "取水半径": 0.5,
        "通生活用电": "是",
        "通广播电视": "是",
        "通宽带": "否",
        "卫生厕所": "是",
        "耕地面积": 3.5,
        "林地面积": 0,
        "不愁吃穿": "是",
        "收入年度": 2018,
        "工资性收入": 6000,
        "生产经营性收入": 1200.5,
        "财产性收入": 0,
        "转移性收入": 800,
        "低保金": 500,
        "特困供养金": 0,
        "养老金": 300,
        "生态补偿金": 0,
        "计划生育金": 0,
        "其他转移性收入": 0,
        "生产经营性支出": 400,
    }
    values.update(overrides)
    return values


def member_values(name: str, relation: str = "户主", id_number: str | None = None, **overrides: Any) -> dict[str, Any]:
    values = {
        "姓名": name,
        "证件号码": id_number or next_id_number(datetime.date(1970, 5, 1)),
        "与户主关系": relation,
        "民族": "汉族",
        "文化程度": "初中",
        "在校生状况": "非在校生",
        "失学辍学原因": None,
        "就读负担较重": "否",
        "健康状况": "健康",
        "疾病名称": None,
        "残疾等级": None,
        "劳动技能": "普通劳动力",
        "务工状况": "无",
        "务工时间": 0,
        "基本医疗保险": "是",
        "大病保险": "是",
        "养老保险": "是",
        "家庭医生签约": "是",
        "共享开支": "是",
    }
    values.update(overrides)
    return values


def household_rows(number: str = "HH-T-0001", members: int = 3, **household: Any) -> list[dict[str, Any]]:
    """A household of ``members`` rows: head, spouse, then children."""
    shared = household_values(number, **household)
    rows = []
    for i in range(members):
        relation = "户主" if i == 0 else ("配偶" if i == 1 else "之子")
        birth = datetime.date(1970 + 3 * i, 5, 1) if i < 2 else datetime.date(2005 + i, 3, 1)
        sex = "2" if i == 1 else "1"
        rows.append({**shared, **member_values(f"{number}成员{i + 1}", relation, next_id_number(birth, sex))})
    return rows


def write_xlsx(path: Path, headers: Sequence[str], rows: Iterable[dict[str, Any] | Sequence[Any]]) -> Path:
    """A workbook whose first sheet has ``headers`` in row 1 and one row per dict (missing keys: empty)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    sheet.append(list(headers))
    for row in rows:
        sheet.append([row.get(h) for h in headers] if isinstance(row, dict) else list(row))
    workbook.save(path)
    return path


def write_roster(path: Path, rows: Iterable[dict[str, Any]], headers: Sequence[str] = ROSTER_HEADERS) -> Path:
    return write_xlsx(path, headers, rows)


def rewrite_member(path: Path, name: str, change) -> Path:
    """Rewrite one member of the xlsx archive: ``change(bytes) -> bytes``."""
    source = path.read_bytes()
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            zout.writestr(item, change(data) if item.filename == name else data)
    assert source
    tmp.replace(path)
    return path


def set_dimension(path: Path, ref: str) -> Path:
    """Make the sheet declare a wrong used range (<dimension ref="A1:B3"/>), as some generators do."""
    return rewrite_member(
        path,
        "xl/worksheets/sheet1.xml",
        lambda data: re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), data),
    )


def write_zip_bomb(path: Path, inflated_mb: int = 2048, declared_bytes: int | None = None) -> Path:
    """A small valid-looking xlsx whose sheet XML inflates to ``inflated_mb`` MB of spaces.

    Built in milliseconds: one 1 MB block of spaces is deflated once, ended with a full flush (which
    resets the compressor), so the same ~1 KB of compressed bytes can be repeated to make the stream.
    ``declared_bytes`` makes the zip directory lie about the member's size, as a crafted bomb would.
    The CRC of the bomb member is not computed (nothing may ever inflate that far to check it).
    """
    blank = io.BytesIO()
    Workbook().save(blank)
    with zipfile.ZipFile(blank) as zin:
        members = [(item.filename, zin.read(item)) for item in zin.infolist()]
    block = b" " * (1024 * 1024)
    entries = []
    with path.open("wb") as out:
        for name, data in members:
            offset = out.tell()
            if name == "xl/worksheets/sheet1.xml":
                head, _, tail = data.partition(b"<sheetData")
                compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
                first = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
                piece = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
                last = compressor.compress(b"<sheetData" + tail) + compressor.flush()
                compressed_size = len(first) + len(piece) * inflated_mb + len(last)
                size = len(head) + len(block) * inflated_mb + len(tail) + len(b"<sheetData")
                size, crc = (declared_bytes or size), 0
                out.write(_local_header(name, crc, compressed_size, size))
                out.write(first)
                for _ in range(inflated_mb):
                    out.write(piece)
                out.write(last)
            else:
                compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
                packed = compressor.compress(data) + compressor.flush()
                compressed_size, size, crc = len(packed), len(data), zlib.crc32(data)
                out.write(_local_header(name, crc, compressed_size, size))
                out.write(packed)
            entries.append((name, crc, compressed_size, size, offset))
        directory = out.tell()
        for name, crc, compressed_size, size, offset in entries:
            encoded = name.encode()
            out.write(
                struct.pack(
                    "<4sHHHHHHIIIHHHHHII",
                    b"PK\x01\x02",
                    20,
                    20,
                    0,
                    8,
                    0,
                    0x21,
                    crc,
                    compressed_size,
                    size,
                    len(encoded),
                    0,
                    0,
                    0,
                    0,
                    0,
                    offset,
                )
                + encoded
            )
        end = out.tell()
        out.write(
            struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries), end - directory, directory, 0)
        )
    return path


def _local_header(name: str, crc: int, compressed_size: int, size: int) -> bytes:
    encoded = name.encode()
    header = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, compressed_size, size, len(encoded), 0)
    return header + encoded
