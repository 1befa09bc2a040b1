"""Demo companies in Lerum and Alingsås, with contacts (made-up numbers with valid check digits).

Loaded by lotsen.demo.load_demo_data(); companies that already exist are left alone.
"""

from lotsen.companies import services
from lotsen.companies.orgnr import normalise_org_number
from lotsen.extensions import db

LERUM, ALINGSAS = "1441", "1489"
BASIS = "Kontaktperson för företaget i dess kontakter med kommunen."

# (org number, name, legal form, street, postcode, town, municipality, SNI codes, size class,
#  registered, description, website, tags, contacts [(name, role, e-mail, phone)])
COMPANIES = [
    ("556947-2409", "Kafé Ljuvligt i Lerum AB", "AB", "Torget 3", "44330", "Lerum", LERUM,
     ["56100", "47241"], "5-9", "2016-05-10", "Kafé och konditori vid Lerums torg.",
     "ljuvligt.example", ["besöksnäring"],
     [("Sofia Lind", "VD", "sofia@ljuvligt.example", "070-412 33 10")]),
    ("556194-1054", "Floda Bageri & Café AB", "AB", "Floda Centrum 2", "44830", "Floda", LERUM,
     ["10710", "56100"], "10-19", "1998-03-02", "Hantverksbageri med kafé.", None,
     ["besöksnäring"], [("Johan Bergström", "Ägare", "johan@flodabageri.example", None)]),
    ("556892-6470", "Stenkullens Åkeri AB", "AB", "Industrivägen 8", "44361", "Stenkullen",
     LERUM, ["49410"], "20-49", "1987-09-14", "Fjärr- och distributionstransporter.", None,
     ["transport"], [("Per Karlsson", "Trafikledare", "per@stenkullenakeri.example",
                      "0302-140 20")]),
    ("556870-3192", "Alingsås Åkeri & Transport AB", "AB", "Industrivägen 14", "44133",
     "Alingsås", ALINGSAS, ["49410", "43991"], "20-49", "2004-11-22",
     "Vägtransporter av gods, maskinuthyrning med förare.", None, ["transport"],
     [("Maria Holm", "Ekonomiansvarig", "maria@alingsasakeri.example", "0322-61 40 00")]),
    ("556315-4516", "Gråbo Bygg & Entreprenad AB", "AB", "Bygatan 4", "44340", "Gråbo", LERUM,
     ["41200", "43120"], "10-19", "2008-02-18", "Nybyggnation och renovering av bostäder.",
     "grabobygg.example", ["bygg"],
     [("Anders Nyström", "VD", "anders@grabobygg.example", "070-555 12 34")]),
    ("556734-9740", "Mjörnbygg i Alingsås AB", "AB", "Sävelundsgatan 12", "44138", "Alingsås",
     ALINGSAS, ["41200"], "50-99", "1995-06-30", "Byggentreprenader åt privata och offentliga "
     "beställare.", "mjornbygg.example", ["bygg", "upphandling"],
     [("Karin Sjöberg", "Anbudsansvarig", "karin@mjornbygg.example", "0322-63 80 00")]),
    ("556300-0669", "Lerums El & Energi AB", "AB", "Almekärrsvägen 11", "44339", "Lerum",
     LERUM, ["43210"], "5-9", "2011-01-12", "Elinstallationer och solceller.", None,
     ["bygg", "energi"], [("Ali Rahimi", "Ägare", "ali@lerumsel.example", "073-220 45 67")]),
    ("556367-6708", "Sollebrunns Rör AB", "AB", "Storgatan 9", "44170", "Sollebrunn", ALINGSAS,
     ["43221"], "1-4", "2014-04-01", "VVS-service och badrumsrenoveringar.", None, ["bygg"],
     [("Erik Dahl", "Ägare", None, "070-311 22 44")]),
    ("556465-4274", "Salong Lugna Gatan AB", "AB", "Kungsgatan 20", "44130", "Alingsås",
     ALINGSAS, ["96021"], "1-4", "2017-08-21", "Frisörsalong.", None, ["frisör"],
     [("Nadia Haddad", "Frisör och ägare", "nadia@lugnagatan.example", "072-900 11 22")]),
    ("556288-9955", "Klippoteket i Lerum AB", "AB", "Göteborgsvägen 10", "44331", "Lerum", LERUM,
     ["96021", "96022"], "1-4", "2012-10-05", "Frisör och hudvård.", None, ["frisör"],
     [("Emma Wiklund", "Ägare", "emma@klippoteket.example", None)]),
    ("556544-2331", "Aspen IT-konsult AB", "AB", "Aspedalen 40", "44337", "Lerum", LERUM,
     ["62020", "62010"], "10-19", "2015-09-15", "IT-konsulter inom systemutveckling och drift.",
     "aspenit.example", ["it", "tillväxt"],
     [("David Ek", "VD", "david@aspenit.example", "+46 70 123 45 67"),
      ("Lina Ström", "Rekryteringsansvarig", "lina@aspenit.example", None)]),
    ("556390-9588", "Alingsås Data & Drift AB", "AB", "Noltorpsgatan 3", "44155", "Alingsås",
     ALINGSAS, ["62030"], "5-9", "2019-02-11", "Drift av servrar och nätverk åt småföretag.",
     None, ["it"], [("Oskar Lund", "Driftchef", "oskar@alingsasdata.example", None)]),
    ("556139-4742", "Restaurang Mjörnstrand AB", "AB", "Strandvägen 1", "44142", "Alingsås",
     ALINGSAS, ["56100", "56300"], "10-19", "2003-05-20", "Restaurang och bar vid Mjörn.",
     "mjornstrand.example", ["besöksnäring", "serveringstillstånd"],
     [("Fredrik Olsson", "Krögare", "fredrik@mjornstrand.example", "0322-155 00")]),
    ("556699-7119", "Pizzeria Napoli i Floda AB", "AB", "Stationsvägen 5", "44832", "Floda",
     LERUM, ["56100"], "5-9", "2010-03-03", "Pizzeria.", None, ["besöksnäring"],
     [("Luca Rossi", "Ägare", None, "076-123 45 00")]),
    ("556641-7381", "Lerums Trädgård & Handel AB", "AB", "Norsesund 2", "44335", "Lerum", LERUM,
     ["47761", "81300"], "5-9", "1999-04-15", "Plantskola och trädgårdsanläggning.", None,
     ["handel"], [("Ingrid Alm", "Ägare", "ingrid@lerumstradgard.example", None)]),
    ("556721-7277", "Alingsås Järn AB", "AB", "Kungsgatan 34", "44131", "Alingsås", ALINGSAS,
     ["47521"], "10-19", "1962-01-01", "Järnhandel.", None, ["handel"],
     [("Bo Wallin", "Butikschef", "bo@alingsasjarn.example", None)]),
    ("556751-4046", "Nolhaga Fastigheter AB", "AB", "Nolhagavägen 12", "44141", "Alingsås",
     ALINGSAS, ["68203"], "1-4", "2006-11-30", "Uthyrning av lokaler.", None, ["fastighet"],
     [("Cecilia Berg", "Förvaltare", "cecilia@nolhaga.example", None)]),
    ("556500-7134", "Aspen Fastighetsförvaltning AB", "AB", "Aspedalen 2", "44337", "Lerum",
     LERUM, ["68320"], "5-9", "2009-08-08", "Fastighetsförvaltning.", None, ["fastighet"], []),
    ("556587-5977", "Lerums Bil & Däck AB", "AB", "Hulanvägen 3", "44339", "Lerum", LERUM,
     ["45201", "45320"], "5-9", "2001-02-14", "Bilverkstad och däckhotell.", None, [],
     [("Tomas Ek", "Verkstadschef", None, "0302-130 50")]),
    ("556572-4068", "Floda Måleri AB", "AB", "Sjövägen 2", "44830", "Floda", LERUM, ["43341"],
     "1-4", "2013-05-05", "Måleri inom- och utomhus.", None, ["bygg"], []),
    ("556270-8452", "Västsvensk Plåt i Alingsås AB", "AB", "Metallgatan 6", "44132", "Alingsås",
     ALINGSAS, ["25110", "43911"], "20-49", "1978-10-10", "Plåtslageri och takarbeten.", None,
     ["tillverkning"], [("Henrik Svensson", "Produktionschef", "henrik@vsplat.example", None)]),
    ("556573-8837", "Lerum Precision AB", "AB", "Tollered Industriområde 1", "44345", "Lerum",
     LERUM, ["25620"], "50-99", "1990-09-01", "Legotillverkning, CNC-bearbetning.", None,
     ["tillverkning", "kompetensförsörjning"],
     [("Mikael Andersson", "VD", "mikael@lerumprecision.example", "0302-150 00")]),
    ("556982-6620", "Hotell Alingsås Stadspark AB", "AB", "Stadsparken 1", "44130", "Alingsås",
     ALINGSAS, ["55101"], "20-49", "2000-06-01", "Hotell och konferens.", None,
     ["besöksnäring"], [("Anna Grip", "Hotellchef", "anna@stadspark.example", None)]),
    ("556393-6961", "Lerums Städ & Service AB", "AB", "Brobacka 4", "44330", "Lerum", LERUM,
     ["81210"], "10-19", "2016-01-20", "Lokalvård åt företag och kommuner.", None,
     ["upphandling"], [("Fatima Ali", "VD", "fatima@lerumsstad.example", None)]),
    ("556905-7077", "Alingsås Redovisningsbyrå AB", "AB", "Kungsgatan 1", "44130", "Alingsås",
     ALINGSAS, ["69201"], "5-9", "1993-03-15", "Redovisning och rådgivning.", None, [], []),
    ("556542-1764", "Gråbo Förskola Tallkotten AB", "AB", "Skogsvägen 3", "44341", "Gråbo",
     LERUM, ["85100"], "10-19", "2005-08-15", "Fristående förskola.", None, [], []),
    ("556292-2038", "Ingareds Lantbruk AB", "AB", "Ingared 14", "44165", "Ingared", ALINGSAS,
     ["01410"], "1-4", "1988-01-01", "Mjölkproduktion.", None, ["landsbygd"], []),
    ("556551-4774", "Lerums Gym & Hälsa AB", "AB", "Lerums Centrum 7", "44330", "Lerum", LERUM,
     ["93130"], "5-9", "2018-09-01", "Gym och friskvård.", None, [], []),
    ("556731-0866", "Stenkullen Golf AB", "AB", "Golfvägen 1", "44361", "Stenkullen", LERUM,
     ["93119"], "5-9", "1997-05-01", "Golfbana och restaurang.", None, ["besöksnäring"], []),
    ("556661-5190", "Nyetablerat Glasbruk AB", "AB", "Glasgatan 1", "44134", "Alingsås",
     ALINGSAS, ["23190"], "0", "2025-10-01", "Glasblåsning och butik.", None, ["nyetablerat"],
     [("Tove Lindberg", "Grundare", "tove@glasbruk.example", None)]),
    ("559512-9221", "Lerum Solpark AB", "AB", "Hjällsnäs 5", "44338", "Lerum", LERUM, ["35110"],
     "0", "2024-04-01", "Solcellspark under uppbyggnad.", None, ["energi", "nyetablerat"], []),
    ("559636-8307", "Alingsås Kaffebryggeri AB", "AB", "Bryggaregatan 2", "44130", "Alingsås",
     ALINGSAS, ["10830", "56100"], "1-4", "2022-02-02", "Kafferosteri med kafé.", None,
     ["besöksnäring"], []),
    ("559558-1041", "Floda Hundcenter AB", "AB", "Hundvägen 1", "44837", "Floda", LERUM,
     ["96090"], "1-4", "2021-06-06", "Hunddagis och trim.", None, [], []),
    ("559389-4925", "Sävelången Event AB", "AB", "Sjövägen 30", "44836", "Floda", LERUM,
     ["82300"], "1-4", "2020-01-15", "Evenemang och konferenser vid sjön.", None,
     ["besöksnäring"], []),
    ("969210-0861", "Floda Bygg & Snickeri HB", "HB", "Sjövägen 7", "44830", "Floda", LERUM,
     ["43320"], "1-4", "2011-08-15", "Byggnadssnickeri, renovering och tillbyggnader.", None,
     ["bygg"], [("Jonas Ek", "Delägare", None, "070-818 18 18")]),
    ("969057-1998", "Alingsås Cykel HB", "HB", "Torggatan 8", "44130", "Alingsås", ALINGSAS,
     ["47642", "95290"], "1-4", "2002-04-04", "Cykelhandel och verkstad.", None, ["handel"],
     []),
    ("969105-8540", "Bröderna Karlsson Schakt HB", "HB", "Grusvägen 2", "44340", "Gråbo", LERUM,
     ["43120"], "5-9", "1985-07-07", "Schakt och markarbeten.", None, ["bygg"], []),
    ("916966-1841", "Lerums Hantverkshus KB", "KB", "Hantverksgatan 1", "44332", "Lerum", LERUM,
     ["47782"], "1-4", "2010-10-10", "Butik för lokalt hantverk.", None, ["handel"], []),
    ("916031-3681", "Tollereds Snickeri KB", "KB", "Tollered 3", "44345", "Lerum", LERUM,
     ["16232"], "1-4", "1999-09-09", "Snickerier och trappor.", None, ["tillverkning"], []),
    ("19790315-2382", "Hårfint by Anna Öberg", "E", "Göteborgsvägen 20", "44331", "Lerum", LERUM,
     ["96021"], "0", "2012-02-01", "Frisör (enskild firma).", None, ["frisör"],
     [("Anna Öberg", "Innehavare", "anna@harfint.example", "070-246 80 12")]),
    ("19880921-4474", "Mikael Berg Redovisning", "E", "Kyrkogatan 5", "44130", "Alingsås",
     ALINGSAS, ["69201"], "0", "2015-01-01", "Redovisningskonsult (enskild firma).", None, [],
     [("Mikael Berg", "Innehavare", "mikael@bergredovisning.example", None)]),
]  # fmt: skip


def load_demo_companies() -> int:
    """Create the demo companies that are missing; returns how many were created."""
    from datetime import date

    created = 0
    for (number, name, form, street, postcode, town, municipality, sni, size, registered,
         description, website, tags, contacts) in COMPANIES:  # fmt: skip
        org = normalise_org_number(number)
        if services.find_company(org.value) is not None:
            continue
        data = services.CompanyData(
            org_number=number, name=name, legal_form=form, street_address=street,
            postal_code=postcode, town=town, municipality_code=municipality, sni_codes=sni,
            size_class=size, registered_on=date.fromisoformat(registered),
            description=description, website=website, tags=tags,
        )  # fmt: skip
        company = services.create_company(None, data)
        for contact_name, role, email, phone in contacts:
            services.add_contact(
                None, company,
                services.ContactData(name=contact_name, role=role, email=email, phone=phone,
                                     data_basis=BASIS),
            )  # fmt: skip
        created += 1
    db.session.flush()
    return created
