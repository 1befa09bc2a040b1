"""Register-file parsers, the SNI table and the benchmark's file generator (no database)."""

import importlib.util
from datetime import date
from pathlib import Path

import pytest

from lotsen.companies import sni
from lotsen.companies.parsers import (
    BOLAGSVERKET_COLUMNS,
    FORMATS,
    SIZE_CLASSES,
    CompanyRecord,
    RegisterFileError,
    RejectedRow,
    check_register_file,
    read_register_file,
)

SAMPLES = Path(__file__).parent / "samples"
BOLAGSVERKET_HEADER = ";".join(BOLAGSVERKET_COLUMNS)


def parse(name, fmt):
    items = list(read_register_file(SAMPLES / name, fmt))
    records = {
        (item.org_number, item.registration_suffix): item
        for item in items
        if isinstance(item, CompanyRecord)
    }
    rejected = {item.line_number: item for item in items if isinstance(item, RejectedRow)}
    return items, records, rejected


def bolagsverket_line(*fields):
    return ";".join('"' + field.replace('"', '""') + '"' for field in fields)


def bolagsverket_row(number="5591234561$ORGNR-IDORG", name="Kafé Ljuvligt i Lerum AB"):
    return bolagsverket_line(
        number,
        "",
        "SE-LAND",
        f"{name}$FORETAGSNAMN-ORGNAM$2016-05-10",
        "AB-ORGFO",
        "",
        "",
        "",
        "2016-05-10",
        "Kafé.",
        "Torget 3$$LERUM$44330$SE-LAND",
    )


# --- Bolagsverket -----------------------------------------------------------------------------


def test_bolagsverket_sample_yields_records_and_rejections_in_file_order():
    items, records, rejected = parse("bolagsverket_sample.txt", "bolagsverket")

    assert [item.line_number for item in items] == [*range(2, 10), *range(13, 20)]
    assert len(records) == 9
    assert set(rejected) == {13, 14, 15, 16, 17, 19}
    assert all(record.source == "bolagsverket" for record in records.values())


def test_bolagsverket_packed_values_are_unpacked():
    _, records, _ = parse("bolagsverket_sample.txt", "bolagsverket")
    cafe = records[("5591234561", 0)]

    assert cafe.name == "Kafé Ljuvligt i Lerum AB"
    assert cafe.former_names == ["Ljuvligt Coffee Lerum", "Café Ljuvligt Lerum AB"]
    assert cafe.legal_form == "AB"
    assert not cafe.is_personal
    assert (cafe.street_address, cafe.postal_code, cafe.town) == ("Torget 3", "44330", "Lerum")
    assert cafe.registered_on == date(2016, 5, 10)
    assert cafe.status == "active"
    assert cafe.description.startswith("Bedriva kafé- och konditoriverksamhet samt catering;")
    assert cafe.sni_codes == [] and cafe.municipality_code is None and cafe.size_class is None


def test_bolagsverket_care_of_is_kept_with_the_street():
    _, records, _ = parse("bolagsverket_sample.txt", "bolagsverket")
    haulier = records[("5592048713", 0)]

    assert haulier.name == "Alingsås Åkeri & Transport AB"
    assert haulier.street_address == "c/o Bokföringsbyrån Mjörn, Industrivägen 14"
    assert (haulier.postal_code, haulier.town) == ("44133", "Alingsås")


def test_bolagsverket_sole_trader_keeps_each_registration_of_one_personnummer():
    _, records, _ = parse("bolagsverket_sample.txt", "bolagsverket")

    first = records[("198503121231", 1)]
    second = records[("198503121231", 2)]
    assert first.is_personal and second.is_personal
    assert first.legal_form == second.legal_form == "E"
    assert (first.name, second.name) == ("Anna Öberg Hårdesign", "Öbergs Hundtrim")


def test_bolagsverket_deregistered_and_liquidation_status():
    _, records, _ = parse("bolagsverket_sample.txt", "bolagsverket")

    gone = records[("5590451232", 0)]
    assert gone.status == "deregistered"
    assert gone.deregistered_on == date(2021, 6, 30)
    assert gone.deregistration_reason == "Verksamheten har upphört"
    assert records[("5568771207", 0)].status == "liquidation"
    assert records[("5568771207", 0)].deregistered_on is None


def test_bolagsverket_multiline_address_inside_one_quoted_field():
    _, records, _ = parse("bolagsverket_sample.txt", "bolagsverket")
    association = records[("7696345219", 0)]

    assert association.line_number == 9
    assert association.legal_form == "BRF"
    assert association.street_address == "c/o Riksbyggen, Kullavägen 4"
    assert (association.postal_code, association.town) == ("44139", "Alingsås")
    assert association.description == (
        'Föreningen upplåter lägenheter med bostadsrätt; "Kullen" är föreningens hus.'
    )


def test_bolagsverket_rejected_rows_say_why_in_swedish():
    _, _, rejected = parse("bolagsverket_sample.txt", "bolagsverket")

    assert rejected[13].reason == "Ogiltigt organisationsnummer: kontrollsiffran stämmer inte"
    assert rejected[15].reason == "Namn saknas"
    assert rejected[16].reason == "Ogiltigt datum i kolumnen registreringsdatum: 2010-13-01"
    assert rejected[17].reason == "Fel antal kolumner: 5 i stället för 11"
    assert rejected[19].reason == "Raden är avkortad: filen tar slut mitt i ett fält"
    assert rejected[13].excerpt.startswith('"5591234562$ORGNR-IDORG";"";"SE-LAND";')
    assert all(len(row.excerpt) <= 200 for row in rejected.values())


def test_rejected_excerpt_never_shows_a_personnummer():
    _, _, rejected = parse("bolagsverket_sample.txt", "bolagsverket")

    assert rejected[14].excerpt.startswith('"19721105-XXXX$PERSON-IDORG"')
    assert "197211054123" not in rejected[14].excerpt


def test_latin1_characters_survive_in_names():
    _, records, _ = parse("bolagsverket_sample.txt", "bolagsverket")

    assert records[("8024793252", 0)].name == "Stiftelsen Café Élise Sollebrunn"
    assert records[("5590451232", 0)].name == "Gråbo Rör & Värme AB"


def test_bolagsverket_file_in_latin1_is_refused_before_any_row():
    with pytest.raises(RegisterFileError, match="inte UTF-8-kodad"):
        check_register_file(SAMPLES / "bolagsverket_latin1.txt", "bolagsverket")
    with pytest.raises(RegisterFileError):
        next(read_register_file(SAMPLES / "bolagsverket_latin1.txt", "bolagsverket"))


def test_decoding_error_after_the_first_megabyte_stops_the_file(tmp_path):
    path = tmp_path / "bolagsverket_bulkfil.txt"
    rows = [bolagsverket_row() for _ in range(7000)]
    path.write_bytes(
        (BOLAGSVERKET_HEADER + "\n" + "\n".join(rows) + "\n").encode("utf-8")
        + bolagsverket_row(name="Trasig Kodning AB").encode("latin-1")[:-40]
        + "Ö".encode("latin-1")
        + b'"\n'
    )
    assert path.stat().st_size > 1024 * 1024
    check_register_file(path, "bolagsverket")  # the start of the file is fine

    items = read_register_file(path, "bolagsverket")
    first = next(items)
    assert isinstance(first, CompanyRecord) and first.line_number == 2
    with pytest.raises(RegisterFileError, match="går inte att läsa som utf-8"):
        list(items)


def test_bolagsverket_postal_address_on_several_lines_without_dollar_signs(tmp_path):
    path = tmp_path / "bulk.txt"
    row = bolagsverket_row().replace(
        '"Torget 3$$LERUM$44330$SE-LAND"', '"Box 17\nFloravägen 2\n448 30 FLODA"'
    )
    path.write_text(BOLAGSVERKET_HEADER + "\n" + row + "\n" + bolagsverket_row() + "\n", "utf-8")

    first, second = read_register_file(path, "bolagsverket")

    assert (first.street_address, first.postal_code, first.town) == (
        "Box 17, Floravägen 2",
        "44830",
        "Floda",
    )
    assert second.line_number == 5


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "Filen är tom."),
        ("\ufeff\n\n", "Filen är tom."),
        ("org_number;name\n5591234561;Kafé\n", "inte Bolagsverkets kolumner"),
        ("organisationsidentitet;namnskyddslopnummer\n", "inte Bolagsverkets kolumner"),
    ],
)
def test_a_file_that_is_not_bolagsverkets_is_refused(tmp_path, content, message):
    path = tmp_path / "file.txt"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(RegisterFileError, match=message):
        check_register_file(path, "bolagsverket")


def test_unknown_format_and_missing_file_are_refused(tmp_path):
    assert FORMATS == ("bolagsverket", "scb", "csv")
    with pytest.raises(RegisterFileError, match="Okänt filformat"):
        check_register_file(SAMPLES / "scb_sample.txt", "excel")
    with pytest.raises(RegisterFileError, match="Filen finns inte"):
        check_register_file(tmp_path / "missing.txt", "scb")


def test_an_scb_file_given_as_bolagsverket_is_refused():
    with pytest.raises(RegisterFileError, match="formatet scb"):
        check_register_file(SAMPLES / "scb_sample.txt", "bolagsverket")


# --- SCB -------------------------------------------------------------------------------------


def test_scb_sample_yields_records_and_rejections():
    items, records, rejected = parse("scb_sample.txt", "scb")

    assert [item.line_number for item in items] == list(range(2, 12))
    assert len(records) == 6
    assert rejected[8].reason == "Ogiltigt organisationsnummer: kontrollsiffran stämmer inte"
    assert rejected[9].reason == "Ogiltigt datum i kolumnen RegDatKtid: 20231345"
    assert rejected[10].reason == "Fel antal kolumner: 8 i stället för 35"
    assert rejected[11].reason == "Fel antal kolumner: 14 i stället för 35"  # truncated last line


def test_scb_columns_are_mapped():
    _, records, _ = parse("scb_sample.txt", "scb")
    cafe = records[("5591234561", 0)]

    assert cafe.source == "scb"
    assert cafe.name == "Kafé Ljuvligt i Lerum AB"
    assert cafe.legal_form == "AB"
    assert cafe.sni_codes == ["56100", "47241", "56210"]
    assert cafe.registered_on == date(2016, 5, 10)
    assert (cafe.street_address, cafe.postal_code, cafe.town) == ("TORGET 3", "44330", "Lerum")
    assert cafe.status == "active"
    assert not cafe.advertising_blocked


def test_scb_latin1_characters_care_of_postcode_with_space_and_advertising_block():
    _, records, _ = parse("scb_sample.txt", "scb")
    haulier = records[("5592048713", 0)]

    assert haulier.name == "Alingsås Åkeri & Transport AB"
    assert haulier.street_address == "C/O BOKFÖRINGSBYRÅN MJÖRN, INDUSTRIVÄGEN 14"
    assert (haulier.postal_code, haulier.town) == ("44133", "Alingsås")
    assert haulier.advertising_blocked


def test_scb_sole_trader_uses_the_business_name_not_the_owners_name():
    _, records, _ = parse("scb_sample.txt", "scb")
    hairdresser = records[("198503121231", 0)]

    assert hairdresser.is_personal
    assert hairdresser.name == "Anna Öberg Hårdesign"
    assert hairdresser.legal_form == "E"
    assert hairdresser.former_names == []


def test_scb_inactive_company_unknown_industry_quote_characters_and_municipality():
    _, records, _ = parse("scb_sample.txt", "scb")

    plumber = records[("5590451232", 0)]
    assert plumber.status == "deregistered"
    assert plumber.deregistration_reason == "Ej längre verksam enligt SCB"
    assert plumber.sni_codes == []
    assert records[("8024793252", 0)].name == '"Café Élise" Stiftelsen i Sollebrunn'
    assert records[("8024793252", 0)].legal_form == "S"
    assert records[("2120001454", 0)].legal_form == "K"


def test_scb_optional_municipality_and_size_class_columns(tmp_path):
    path = tmp_path / "scb.txt"
    header = "PeOrgNr\tNamn\tGatuadress\tPostNr\tPostOrt\tFtgStat\tNg1\tKommunKod\tStorleksklass"
    rows = [
        "165591234561\tKafé Ljuvligt AB\tTORGET 3\t44330\tLERUM\t1\t56100\t1441\t2",
        "165592048713\tÅkeriet AB\tVÄGEN 1\t44133\tALINGSÅS\t1\t49410\t1489\t11",
        "169697812346\tBygg HB\tVÄGEN 2\t44830\tFLODA\t1\t41200\t\t20-49",
    ]
    path.write_bytes(("\r\n".join([header, *rows]) + "\r\n").encode("latin-1"))

    records = list(read_register_file(path, "scb"))

    assert [(r.municipality_code, r.size_class) for r in records] == [
        ("1441", "5-9"),
        ("1489", "500+"),
        (None, "20-49"),
    ]


def test_scb_file_in_utf8_is_refused():
    with pytest.raises(RegisterFileError, match="SCB:s fil ska vara Latin-1"):
        check_register_file(SAMPLES / "scb_utf8.txt", "scb")


def test_scb_file_without_scb_columns_is_refused(tmp_path):
    path = tmp_path / "scb.txt"
    path.write_bytes(b"PeOrgNr;Namn\r\n165591234561;Kaf\xe9\r\n")

    with pytest.raises(RegisterFileError, match="inte SCB:s kolumner"):
        check_register_file(path, "scb")


# --- Plain CSV -------------------------------------------------------------------------------


def test_csv_with_semicolons_and_bom():
    items, records, rejected = parse("municipality_list.csv", "csv")

    cafe = records[("5591234561", 0)]
    assert cafe.source == "csv"
    assert cafe.name == "Kafé Ljuvligt i Lerum AB"
    assert cafe.postal_code == "44330"
    assert cafe.municipality_code == "1441"
    assert cafe.sni_codes == ["56100", "47241"]
    assert cafe.size_class == "5-9"
    assert cafe.website == "https://ljuvligt.example"
    assert cafe.description == "Kafé och konditori vid torget"
    assert records[("9697812346", 0)].description == "Snickeri; renovering och tillbyggnader"
    assert records[("198503121231", 0)].is_personal
    assert records[("198503121231", 0)].legal_form == "E"
    haulier = records[("5592048713", 0)]
    assert haulier.sni_codes == ["49410"] and haulier.size_class == "20-49"
    assert haulier.municipality_code == "1489"
    assert len(items) == 9


def test_csv_rows_with_bad_values_are_rejected_with_reasons():
    _, _, rejected = parse("municipality_list.csv", "csv")

    assert rejected[6].reason == "Ogiltigt organisationsnummer: kontrollsiffran stämmer inte"
    assert rejected[7].reason == "Namn saknas"
    assert rejected[8].reason.startswith("Okänd SNI-kod: 99999")
    assert rejected[9].reason.startswith("Ogiltig kommunkod: 14")
    assert rejected[10].reason.startswith("Ogiltig storleksklass: 11-20")


def test_csv_with_commas_and_only_some_columns():
    _, records, _ = parse("municipality_list_comma.csv", "csv")

    assert records[("5591234561", 0)].name == "Kafé Ljuvligt i Lerum, AB"
    assert records[("5591234561", 0)].street_address is None
    assert records[("8024793252", 0)].town == "Sollebrunn"


def test_csv_with_a_header_of_its_own_is_refused():
    with pytest.raises(RegisterFileError) as error:
        check_register_file(SAMPLES / "municipality_list_bad_header.csv", "csv")

    assert "saknade kolumner: org_number, name" in str(error.value)
    assert "okända kolumner: orgnr, namn, ort" in str(error.value)


def test_csv_that_ends_inside_a_quoted_field_rejects_the_last_row(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(
        'org_number,name,description\n5591234561,Kafé,"Bra\nfika"\n5592048713,Åkeri,"Kör', "utf-8"
    )

    first, last = read_register_file(path, "csv")

    assert first.description == "Bra\nfika"
    assert isinstance(last, RejectedRow) and last.line_number == 4
    assert last.reason == "Raden är avkortad: filen tar slut mitt i ett fält"


def test_size_classes_are_the_issue_bands():
    bands = "0 1-4 5-9 10-19 20-49 50-99 100-199 200-499 500+"
    assert bands.split() == list(SIZE_CLASSES)


# --- SNI 2007 table --------------------------------------------------------------------------


def test_sni_table_has_every_section_and_detailed_group():
    assert sni.SNI_VERSION == "SNI2007"
    assert len(sni.SECTIONS) == 21
    assert sni.SECTIONS[0] == ("A", "Jordbruk, skogsbruk och fiske")
    assert sni.SECTIONS[-1][0] == "U"
    assert len(sni.detailed_codes()) == 821


@pytest.mark.parametrize("raw", ["56100", "56.100", " 56100 ", "5610"])
def test_sni_codes_are_normalised(raw):
    assert sni.normalise_sni_code(raw) == "56100"
    assert sni.sni_title(raw) == "Restaurangverksamhet"
    assert sni.sni_section(raw) == "I"


def test_sni_lookups_for_unknown_codes_and_sections():
    assert sni.normalise_sni_code("1110") == "01110"  # a leading zero lost in a spreadsheet
    assert sni.normalise_sni_code("00000") is None
    assert sni.normalise_sni_code("99999") is None
    assert sni.normalise_sni_code("") is None
    assert sni.sni_title("49410") == "Vägtransport, godstrafik"
    assert sni.sni_section("43341") == "F"
    assert sni.sni_title("F") == "Byggverksamhet"
    assert sni.sni_title("abc") is None


# --- The benchmark's generator writes files these parsers read ---------------------------------


def load_generator():
    path = Path(__file__).resolve().parents[2] / "bench" / "generate_registers.py"
    spec = importlib.util.spec_from_file_location("generate_registers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("fmt", ["bolagsverket", "scb"])
def test_generated_files_parse_with_few_rejections(tmp_path, fmt):
    generator = load_generator()
    path = tmp_path / f"{fmt}.txt"
    generator.main(["--format", fmt, "--rows", "3000", "--out", str(path), "--seed", "3"])

    check_register_file(path, fmt)
    items = list(read_register_file(path, fmt))
    records = [item for item in items if isinstance(item, CompanyRecord)]
    rejected = [item for item in items if isinstance(item, RejectedRow)]

    assert len(items) == 3000
    assert len(rejected) <= 15
    assert len({(r.org_number, r.registration_suffix) for r in records}) == len(records)
    personal = [r for r in records if r.is_personal]
    assert 0.04 * len(records) < len(personal) < 0.15 * len(records)
    assert any(r.status == "deregistered" for r in records)
    assert all(r.postal_code and len(r.postal_code) == 5 for r in records)
    if fmt == "bolagsverket":
        assert any(r.registration_suffix == 2 for r in personal)
        assert any(r.status == "liquidation" for r in records)
    else:
        assert all(sni.sni_title(code) for r in records for code in r.sni_codes)


def test_generator_is_deterministic_for_a_seed(tmp_path):
    generator = load_generator()
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    generator.main(["--format", "scb", "--rows", "200", "--out", str(first), "--seed", "9"])
    generator.main(["--format", "scb", "--rows", "200", "--out", str(second), "--seed", "9"])

    assert first.read_bytes() == second.read_bytes()
