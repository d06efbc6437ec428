"""Rules the PII scanner uses: column-name vocabularies, value patterns and checksums.

Everything here is pure and data-free: functions take one string and answer yes or no,
or take a column name and return the name rules that match it. No value is ever stored.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

__all__ = [
    "NameRule",
    "NAME_RULES",
    "name_tokens",
    "names_related",
    "match_name",
    "luhn_valid",
    "iban_valid",
    "is_email",
    "is_phone",
    "is_ip",
    "is_card",
    "is_iban",
    "contains_email",
    "contains_phone",
    "FIRST_NAMES",
    "SURNAMES",
    "GENDER_VALUES",
    "ETHNICITY_VALUES",
    "RELIGION_VALUES",
]

# --------------------------------------------------------------------------------------
# Column names
# --------------------------------------------------------------------------------------

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SPLIT = re.compile(r"[^0-9a-zA-Z\u00c0-\u024f]+")
_ACCENTS = str.maketrans("àáâäãåçèéêëìíîïñòóôöõùúûüýÿß", "aaaaaaceeeeiiiinooooouuuuyys")


def name_tokens(column: object) -> tuple[str, ...]:
    """Split a column name into lower-case tokens: snake, camel, kebab and space case.

    Examples
    --------
    >>> name_tokens("customerID")
    ('customer', 'id')
    >>> name_tokens("Date of Birth")
    ('date', 'of', 'birth')
    """
    text = _CAMEL.sub(" ", str(column))
    text = text.lower().translate(_ACCENTS)
    return tuple(t for t in _SPLIT.split(text) if t)



#: Words that only say "a coarser version of": left out when two names are compared.
_COARSENING_WORDS = frozenset("band group bucket range cat category level class code flag id is has of the".split())


def names_related(column: object, attribute: object) -> bool:
    """True when one name reads as a coarsening of the other.

    The words of each name (see :func:`name_tokens`), less words such as band, group or
    range, must be a subset of the other's.

    Examples
    --------
    >>> names_related("age", "age_band"), names_related("zone_score", "origin")
    (True, False)
    """
    a = set(name_tokens(column)) - _COARSENING_WORDS
    b = set(name_tokens(attribute)) - _COARSENING_WORDS
    return bool(a) and bool(b) and (a <= b or b <= a)

@dataclass(frozen=True)
class NameRule:
    """One column-name rule.

    ``tokens`` match whole tokens or adjacent token pairs joined (``first_name`` and
    ``firstname`` both give ``firstname``); ``substrings`` match anywhere in the joined name
    and are kept to long words that do not occur inside unrelated words.
    """

    rule: str
    category: str
    weight: float
    tokens: frozenset[str] = frozenset()
    substrings: tuple[str, ...] = ()
    special_category_kind: str | None = None
    detail: str = ""


def _r(rule: str, category: str, weight: float, tokens: str = "", substrings: str = "",
       kind: str | None = None, detail: str = "") -> NameRule:
    return NameRule(rule, category, weight, frozenset(tokens.split()), tuple(substrings.split()),
                    kind, detail)


# Order matters: the first rule of each category that matches is kept, and the scanner
# prefers "override" rules (device names such as phone_model, counts such as emails_sent)
# over the plain ones they contain.
NAME_RULES: tuple[NameRule, ...] = (
    # consent and preference flags are records of a choice, not contact details
    _r("name:consent", "other", 0.7,
       "consent consents optin optout gdpr permission permissions newsletter subscribed "
       "unsubscribe donotcontact dnc preference preferences marketingoptin",
       "consent optin optout",
       detail="the name refers to a consent or preference flag"),
    # device, including names that contain a contact word (phone_model, mobile_os)
    _r("name:device", "device", 0.8,
       "device deviceid devicetype devicemodel phonemodel mobilemodel handset useragent ua browser "
       "navigateur navegador appareil dispositivo geraet endgeraet "
       "os platform imei idfa gaid adid advertisingid mac macaddress screen resolution cookie "
       "cookieid appversion osversion mobileos mobileapp phonebrand phonemake",
       "useragent deviceid devicetype devicemodel phonemodel handset browser advertisingid "
       "screenresolution appversion osversion",
       detail="the name refers to a device, browser or app"),
    _r("name:ip", "device", 0.8, "ip ipaddress ipaddr ipv4 ipv6 clientip remoteip sourceip",
       "ipaddress ipaddr clientip remoteip",
       detail="the name refers to an IP address"),
    # counts and aggregates of contact events are behaviour, not contact details
    _r("name:count", "behavioural", 0.75,
       "count counts cnt sent opened opens clicked clicks views visits nb total sessions "
       "bounced unsubscribed frequency recency anzahl",
       detail="the name describes a count or frequency of events"),
    # contact
    _r("name:email", "contact", 0.85,
       "email emails mail emailaddress mailaddress courriel correo epost adresseemail",
       "email emailaddr courriel correoelectronico",
       detail="the name refers to an email address"),
    _r("name:phone", "contact", 0.85,
       "phone phonenumber phoneno tel telephone telno mobile mobilenumber mobileno cell "
       "cellphone cellular handy telefon telefono telefone telephono movil celular portable "
       "fax msisdn tlf puhelin",
       "phonenumber telephone telefon telefono mobilenumber cellphone msisdn",
       detail="the name refers to a phone number"),
    _r("name:postal_address", "contact", 0.8,
       "address addr streetaddress street homeaddress postaladdress mailingaddress adresse adressepostale "
       "direccion anschrift strasse indirizzo calle rue",
       "streetaddress postaladdress homeaddress mailingaddress adressepostale anschrift direccion",
       detail="the name refers to a postal address"),
    # direct identifiers
    _r("name:person_name", "direct_identifier", 0.85,
       "firstname lastname fullname surname forename forenames givenname familyname "
       "middlename maidenname nom prenom vorname nachname nombre apellido apellidos cognome "
       "achternaam voornaam fornavn efternavn sobrenome nomecompleto name customername "
       "clientname username",
       "firstname lastname fullname surname forename givenname familyname vorname nachname "
       "apellido prenom",
       detail="the name refers to a person's name"),
    _r("name:person_id", "direct_identifier", 0.8,
       "customerid custid customerno customernumber clientid userid uid memberid personid "
       "accountid accountno subscriberid patientid employeeid studentid contactid "
       "kundennummer kundenid loyaltyid loyaltycard cardholder login username userhandle "
       "handle ssn nino nin nationalid passport passportno taxid tin socialsecurity "
       "driverlicense licenceno idnumber personnummer dni nif bsn",
       "customerid userid clientid memberid personid patientid employeeid subscriberid "
       "socialsecurity nationalid passport kundennummer",
       detail="the name refers to an identifier of a person or customer"),
    # demographic
    _r("name:dob", "demographic", 0.85,
       "dob birth birthdate birthday dateofbirth birthyear yob geburtsdatum geburtstag "
       "naissance datenaissance nacimiento fechanacimiento nascita geboortedatum",
       "birth geburt naissance nacimiento nascita",
       detail="the name refers to a date or year of birth"),
    _r("name:demographic", "demographic", 0.8,
       "age ageband agegroup agebracket gender sex geschlecht sexe genero genere marital "
       "maritalstatus civilstatus alter edad eta nationality citizenship householdsize "
       "children dependants dependents title salutation sexo anrede civilite estadocivil "
       "familienstand situationfamiliale",
       "gender geschlecht maritalstatus nationality",
       detail="the name refers to age, gender or another personal detail"),
    # special category (GDPR Art. 9)
    _r("name:ethnicity", "special_category", 0.9,
       "ethnicity ethnic race ethnie ethnizitat etnia ethnicorigin racialorigin",
       "ethnic ethnie etnia",
       kind="ethnicity", detail="the name refers to ethnic or racial origin"),
    _r("name:ethnicity_ml", "special_category", 0.9,
       "raza rasse racial origineethnique ethnischeherkunft herkunft origenetnico etnico etnica ethnique "
       "ethnisch",
       "origineethnique ethnischeherkunft origenetnico racial",
       kind="ethnicity", detail="the name refers to ethnic or racial origin"),
    _r("name:religion", "special_category", 0.9,
       "religion religious faith belief beliefs konfession religione religion religiao croyance "
       "glaube creencia confession",
       "religio konfession",
       kind="religion", detail="the name refers to religion or belief"),
    _r("name:health", "special_category", 0.9,
       "health diagnosis diagnoses medical condition conditions disability disabled illness "
       "disease medication prescription pregnancy pregnant allergy allergies bmi gesundheit "
       "salud sante krankheit symptom symptoms handicap behinderung discapacidad maladie enfermedad "
       "medical medizinisch medico medicale",
       "diagnos medical disabilit illness disease medication prescription pregnan gesundheit "
       "behinderung discapacidad enfermedad maladie",
       kind="health", detail="the name refers to health"),
    _r("name:sexual_orientation", "special_category", 0.9,
       "orientation sexualorientation sexuality lgbt lgbtq orientationsexuelle sexuelleorientierung "
       "orientacionsexual sexualitat sexualite sexualidad",
       "sexualorientation sexuality orientationsexuelle sexuelleorientierung orientacionsexual",
       kind="sexual_orientation", detail="the name refers to sexual orientation"),
    _r("name:political", "special_category", 0.9,
       "political politics party voting vote politicalopinion opinionpolitique politischemeinung "
       "opinionpolitica partei partido parti politique politik politica",
       "political politique politisch",
       kind="political_opinion", detail="the name refers to political opinion"),
    _r("name:trade_union", "special_category", 0.9,
       "union tradeunion unionmember unionmembership syndicat syndical gewerkschaft sindicato sindical",
       "tradeunion syndicat gewerkschaft sindicato",
       kind="trade_union", detail="the name refers to trade union membership"),
    _r("name:biometric", "special_category", 0.9,
       "biometric biometrics fingerprint faceid faceprint retina voiceprint biometrie biometrique "
       "biometrisch biometrico empreinte fingerabdruck huella",
       "biometric biometri fingerprint fingerabdruck",
       kind="biometric", detail="the name refers to biometric data"),
    _r("name:genetic", "special_category", 0.9, "genetic genome dna genotype", "genetic genome genotype",
       kind="genetic", detail="the name refers to genetic data"),
    # work and education
    _r("name:work_education", "work_education", 0.8,
       "occupation occupations job jobtitle profession employer employment employed workclass "
       "work worker education educationnum educationlevel degree qualification qualifications "
       "school university college hoursperweek hoursworked workinghours industry sector "
       "seniority beruf arbeitgeber ausbildung bildung abschluss arbeitszeit metier emploi employeur "
       "diplome formation etudes ocupacion empleo empleador estudios educacion titulacion jornada "
       "profesion",
       "occupation employer education hoursperweek hoursworked qualification ausbildung arbeitgeber "
       "employeur ocupacion empleador",
       detail="the name refers to work, occupation or education"),
    # location
    _r("name:location", "location", 0.8,
       "address addr street streetaddress road postcode postalcode postal zip zipcode plz cp "
       "cap city town village county state province region country lat latitude lon lng "
       "longitude geo geohash location home homeaddress ort stadt ciudad ville land pais "
       "codigopostal",
       "address postcode postalcode zipcode latitude longitude geohash codigopostal",
       detail="the name refers to an address or place"),
    # financial
    _r("name:financial", "financial", 0.8,
       "income salary salaries wage wages pay earnings iban bic swift sortcode card cardnumber "
       "creditcard ccnumber cc pan accountnumber bankaccount bank balance debt loan loans "
       "mortgage credit creditscore creditlimit einkommen gehalt ingresos salario revenu "
       "networth wealth savings bankruptcy arrears capitalgain capitalgains capitalloss capitallosses "
       "premium premiums dividend dividends investment investments assets revenue revenus "
       "ingreso ingresos renta sueldo",
       "income salary iban creditcard cardnumber bankaccount accountnumber mortgage einkommen "
       "gehalt ingreso salario capitalgain capitalloss",
       detail="the name refers to income, a bank account or a payment card"),
    # inferred
    _r("name:inferred", "inferred", 0.75,
       "score propensity predicted prediction pred affinity segment cluster persona "
       "likelihood probability risk churn ltv clv predictedltv lookalike propension propensione "
       "prevision previsto prevu segmento neigung prognose",
       "propensity predicted affinity likelihood lookalike propension prevision previsto",
       detail="the name refers to a score or segment worked out about the person"),
    # behavioural
    _r("name:behavioural", "behavioural", 0.7,
       "purchase purchases purchased order orders bought basket cart spend spent spending "
       "browsing browse minutes clicks click views pageviews sessions session visits "
       "lastlogin lastseen lastpurchase tenure dwell watch watched listened played plays "
       "searches search ratings rating reviews returns redeemed engagement activity rated "
       "streams streamed listens skips skipped likes favourites favorites playlist playlists "
       "watchtime hourswatched minuteswatched achat achats compra compras kauf kaeufe "
       "pagesvues vues visitas besuche ultimacompra dernierachat",
       "purchase browsing pageview lastlogin lastseen tenure watched pagesvues ultimacompra "
       "dernierachat",
       detail="the name describes what the person did: purchases, browsing or visits"),
)

#: Tokens that say a column is about an item, not a person (product_name, sku, order_id).
ITEM_TOKENS = frozenset(
    "sku product products item items article artikel produkt ean upc gtin isbn asin order "
    "orderid ordernumber orderno transaction txn invoice receipt shipment sku_id category "
    "categories brand catalog catalogue store shop merchant campaign file filename page url "
    "event row index idx line batch parcel tracking ticket commande facture pedido factura "
    "transaccion lote lot bestellung rechnung hash checksum producto produit movie movies "
    "film films song songs track tracks album albums episode episodes".split()
)

#: Tokens that say an identifier is about a person.
PERSON_TOKENS = frozenset(
    "customer customers cust client user users member person people patient employee "
    "subscriber account holder cardholder contact buyer shopper visitor guest kunde kunden "
    "cliente usuario loyalty household policyholder insured applicant candidate patient "
    "policy".split()
)

#: Tokens that name an identifier.
ID_TOKENS = frozenset("id ids key no nr num number ref code uuid guid identifier reference numero codigo".split())

#: Leading or trailing tokens that say a column counts things a person did (n_action, num_visits,
#: rating_count); see :func:`is_count_name`.
COUNT_PREFIXES = frozenset("n num nb cnt count total".split())
COUNT_SUFFIXES = frozenset("count counts cnt total".split())

#: Tokens that say a column counts or measures activity over time (minutes, sessions, ratings).
ACTIVITY_UNITS = frozenset(
    "minutes mins hours seconds secs sessions ratings rated views plays streams listens clicks visits "
    "watched played".split())


def is_count_name(tokens: tuple[str, ...]) -> bool:
    """True for names of activity counts: ``n_<thing>``, ``num_<thing>``, ``<thing>_count``.

    Examples
    --------
    >>> is_count_name(("n", "sci", "fi")), is_count_name(("rating", "count")), is_count_name(("n",))
    (True, True, False)
    """
    if len(tokens) < 2:
        return False
    return tokens[0] in COUNT_PREFIXES or tokens[-1] in COUNT_SUFFIXES


#: Fallback rule for activity counts whose name says nothing else (n_action, rating_count).
COUNT_RULE = _r("name:activity_count", "behavioural", 0.7,
                detail="the name counts something the person did (n_..., num_..., ..._count)")

#: Name grams that say a person's name on their own, with or without the word "name".
_UNAMBIGUOUS_NAME = frozenset(
    "firstname lastname fullname surname forename forenames givenname familyname middlename maidenname "
    "vorname nachname prenom apellido apellidos cognome achternaam voornaam nomecompleto customername "
    "clientname nomcomplet nombrecompleto".split())


def unambiguous_person_name(tokens: tuple[str, ...]) -> bool:
    """True when the name alone says a person's name (``full_name``, ``surname``, ``Client Name``)."""
    return bool(_grams(tokens) & _UNAMBIGUOUS_NAME)


def _grams(tokens: tuple[str, ...]) -> set[str]:
    grams = set(tokens)
    for n in (2, 3, 4):
        for i in range(len(tokens) - n + 1):
            grams.add("".join(tokens[i : i + n]))
    return grams


def match_name(column: object) -> list[NameRule]:
    """Return the name rules a column name matches, strongest first.

    Examples
    --------
    >>> [r.rule for r in match_name("E-Mail")]
    ['name:email']
    >>> [r.rule for r in match_name("phone_model")][0]
    'name:device'
    """
    tokens = name_tokens(column)
    if not tokens:
        return []
    grams = _grams(tokens)
    joined = "".join(tokens)
    hits: list[NameRule] = []
    for rule in NAME_RULES:
        if grams & rule.tokens or any(s in joined for s in rule.substrings):
            hits.append(rule)
    return hits


# --------------------------------------------------------------------------------------
# Checksums
# --------------------------------------------------------------------------------------


def luhn_valid(number: str) -> bool:
    """Return True if a string of digits passes the Luhn (mod 10) check.

    Spaces and dashes are ignored; anything else makes it invalid.

    Examples
    --------
    >>> luhn_valid("4539 1488 0343 6467")
    True
    >>> luhn_valid("4539 1488 0343 6468")
    False
    """
    digits = number.replace(" ", "").replace("-", "")
    if not digits.isdigit() or not digits.isascii() or len(digits) < 2:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


#: IBAN lengths by country (ISO 13616 registry, common countries).
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}
_IBAN_FORM = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")


def iban_valid(iban: str) -> bool:
    """Return True if a string is an IBAN with a known country length and a valid mod-97 check.

    Spaces are ignored and letters may be lower case.

    Examples
    --------
    >>> iban_valid("GB82 WEST 1234 5698 7654 32")
    True
    >>> iban_valid("GB82 WEST 1234 5698 7654 33")
    False
    """
    s = iban.replace(" ", "").upper()
    if not _IBAN_FORM.fullmatch(s):
        return False
    if IBAN_LENGTHS.get(s[:2]) != len(s):
        return False
    moved = s[4:] + s[:4]
    num = "".join(str(int(ch, 36)) for ch in moved)
    return int(num) % 97 == 1


# --------------------------------------------------------------------------------------
# Value patterns
# --------------------------------------------------------------------------------------

_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}")
_EMAIL_IN = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b")


def is_email(value: str) -> bool:
    """Return True for a single email address.

    Examples
    --------
    >>> is_email("a.b@example.co.uk"), is_email("a@b")
    (True, False)
    """
    return _EMAIL.fullmatch(value) is not None


# International: +CC then groups of digits separated by space, dot, dash, optional (0) / (area).
_PHONE_INTL = re.compile(r"(?:\+|00)[1-9]\d{0,2}(?:[ .-]?\(?0?\d{1,5}\)?)(?:[ .-]?\d{2,5}){1,5}")
# UK national: 0 then 2-4 digit area / mobile prefix, with or without spaces.
_PHONE_UK = re.compile(r"0(?:\d{2}[ -]?\d{4}[ -]?\d{4}|\d{3}[ -]?\d{3}[ -]?\d{4}|\d{4}[ -]?\d{3}[ -]?\d{3}|\d{4}[ -]?\d{6}|\d{4}[ -]?\d{5}|\d{3}[ -]?\d{7})")
# US national: (555) 123-4567, 555-123-4567, 555.123.4567, 1-555-123-4567.
_PHONE_US = re.compile(r"(?:1[ .-])?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}")
# Other European national formats with separators: 06 12 34 56 78, 030 1234567, 0612-345678.
_PHONE_EU = re.compile(r"0\d(?:[ .]\d{2}){4}|0\d{1,4}[ /-]\d{5,8}")


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def is_phone(value: str) -> bool:
    """Return True for a phone number in an international or common national format.

    Bare digit strings count only in the UK mobile form (``07`` and 9 digits) or after
    ``+``; other unformatted numbers (order numbers, ids) do not count.

    Examples
    --------
    >>> is_phone("+44 20 7946 0958"), is_phone("(555) 123-4567"), is_phone("40012345678")
    (True, True, False)
    """
    v = value.strip()
    if len(v) < 7 or len(v) > 25:
        return False
    n = len(_digits(v))
    if ((v[0] in "+0" and v[:2] != "00") or v[:2] == "00") and _PHONE_INTL.fullmatch(v):
        return 8 <= n <= 15
    if v[0] == "0":
        if _PHONE_UK.fullmatch(v):
            # UK numbers start 01, 02, 03, 05, 07, 08 and have 10-11 digits; bare digits
            # only for mobiles (07).
            if v[1] not in "123578" or not 10 <= n <= 11:
                return False
            return not v.isdigit() or v[1] == "7"
        if _PHONE_EU.fullmatch(v):
            return 9 <= n <= 12
        return False
    if _PHONE_US.fullmatch(v):
        area = _digits(v)[-10:]
        return area[0] not in "01"
    return False


_PHONE_IN = re.compile(
    r"(?<![\w+])(?:(?:\+|00)[1-9]\d{0,2}[ .-]?\(?0?\d{1,5}\)?(?:[ .-]?\d{2,5}){1,5}"
    r"|0\d{2,4}[ -]?\d{3,4}[ -]?\d{3,4}"
    r"|(?:\(\d{3}\) ?|\d{3}[.-])\d{3}[.-]\d{4})(?![\w])"
)


def contains_email(text: str) -> bool:
    """Return True if free text contains an email address."""
    return "@" in text and _EMAIL_IN.search(text) is not None


def contains_phone(text: str) -> bool:
    """Return True if free text contains something that reads as a phone number."""
    return any(is_phone(m.group(0)) for m in _PHONE_IN.finditer(text))


def is_ip(value: str) -> bool:
    """Return True for an IPv4 address in dotted form or any IPv6 address.

    Examples
    --------
    >>> is_ip("192.168.0.1"), is_ip("2001:db8::1"), is_ip("1.2.3")
    (True, True, False)
    """
    if not value or len(value) > 45 or ("." not in value and ":" not in value):
        return False
    try:
        addr = ipaddress.ip_address(value)
    except ValueError:
        return False
    return addr.version == 6 or value.count(".") == 3


def _card_prefix_ok(d: str) -> bool:
    n = len(d)
    if d[0] == "4":
        return n in (13, 16, 19)  # Visa
    p2, p4 = int(d[:2]), int(d[:4])
    if 51 <= p2 <= 55 or 2221 <= p4 <= 2720:
        return n == 16  # Mastercard
    if p2 in (34, 37):
        return n == 15  # American Express
    if d.startswith("6011") or p2 == 65 or 644 <= int(d[:3]) <= 649:
        return 16 <= n <= 19  # Discover
    if 3528 <= p4 <= 3589:
        return 16 <= n <= 19  # JCB
    if p2 in (36, 38, 39) or 300 <= int(d[:3]) <= 305:
        return 14 <= n <= 19  # Diners Club
    if p2 == 62:
        return 16 <= n <= 19  # UnionPay
    if p2 == 50 or 56 <= p2 <= 69:
        return 12 <= n <= 19  # Maestro
    return False


_CARD_FORM = re.compile(r"\d{13,19}|\d{4}(?:[ -]\d{4}){2}[ -]\d{1,7}|\d{4}[ -]\d{6}[ -]\d{4,5}")


def is_card(value: str) -> bool:
    """Return True for a payment card number: 13-19 digits, a card-scheme prefix and Luhn.

    Examples
    --------
    >>> is_card("4539 1488 0343 6467"), is_card("1234567812345670")
    (True, False)
    """
    v = value.strip()
    if not _CARD_FORM.fullmatch(v):
        return False
    d = _digits(v)
    return 13 <= len(d) <= 19 and _card_prefix_ok(d) and luhn_valid(d)


def is_iban(value: str) -> bool:
    """Return True for an IBAN with a valid checksum (alias of :func:`iban_valid`)."""
    return len(value) <= 42 and iban_valid(value)


# --------------------------------------------------------------------------------------
# Vocabularies
# --------------------------------------------------------------------------------------

FIRST_NAMES = frozenset(
    """
    james john robert michael william david richard joseph thomas charles christopher daniel
    matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy
    ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin
    scott brandon benjamin samuel gregory alexander patrick frank raymond jack dennis jerry
    tyler aaron jose adam nathan henry peter zachary douglas harold oliver harry noah leo
    arthur oscar theo freddie alfie charlie archie mohammed muhammad ali omar ahmed hassan
    yusuf ibrahim mustafa luca marco matteo giuseppe francesco alessandro lorenzo pierre
    jean louis lucas hugo jules gabriel raphael arthur hans lukas felix maximilian paul jonas
    leon finn elias ben jan piotr krzysztof tomasz pawel jakub ivan dmitri sergei andrei
    juan carlos luis miguel javier diego pablo alejandro manuel pedro rafael joao tiago
    hiroshi takashi kenji yuki wei jun li ming hao raj rahul amit arjun vikram sanjay
    kwame kofi chinedu emeka oluwaseun tunde sean liam conor niamh aoife siobhan
    mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy
    betty margaret sandra ashley kimberly emily donna michelle carol amanda dorothy melissa
    deborah stephanie rebecca sharon laura cynthia kathleen amy angela shirley anna brenda
    pamela emma nicole helen samantha katherine christine debra rachel carolyn janet
    catherine maria heather diane ruth julie olivia joyce virginia victoria kelly lauren
    christina joan evelyn judith megan andrea cheryl hannah jacqueline martha gloria teresa
    ann sara madison frances kathryn janice jean abigail alice judy sophia grace denise amber
    doris marilyn danielle beverly isabella theresa diana natalie brittany charlotte marie
    kayla alexis lori amelia isla ava mia ivy lily freya florence poppy ella evie sophie
    fatima aisha zainab maryam layla noor chloe lea manon camille ines sofia giulia chiara
    francesca martina hanna lena mila emilia clara johanna anja katarzyna agnieszka magdalena
    olga natasha svetlana elena carmen lucia paula marta ana beatriz yuki sakura mei ling
    priya ananya divya pooja neha amara chioma ngozi aaliyah zoe ruby lucy jasmine
    """.split()
)

SURNAMES = frozenset(
    """
    smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez
    gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white
    harris sanchez clark ramirez lewis robinson walker young allen king wright scott torres
    nguyen hill flores green adams nelson baker hall rivera campbell mitchell carter roberts
    gomez phillips evans turner diaz parker cruz edwards collins reyes stewart morris morales
    murphy cook rogers gutierrez ortiz morgan cooper peterson bailey reed kelly howard ramos
    kim cox ward richardson watson brooks chavez wood james bennett gray mendoza ruiz hughes
    price alvarez castillo sanders patel myers long ross foster jimenez powell jenkins perry
    russell sullivan bell coleman butler henderson barnes fisher vasquez simmons graham
    jordan reynolds hamilton ford wallace west cole hayes bryant gibson ellis stevens murray
    marshall owens harrison fernandez mcdonald woods washington kennedy wells henry freeman
    webb tucker porter hunter hicks crawford boyd mason warren dixon ramos burns gordon shaw
    holmes rice robertson hunt black daniels palmer mills nichols grant knight ferguson stone
    hawkins dunn perkins hudson spencer gardner stephens payne pierce berry matthews arnold
    wagner willis ray watkins olson carroll duncan snyder hart cunningham bradley lane
    andrews ruiz harper fox riley armstrong carpenter weaver greene lawrence elliott chavez
    sims austin peters kelley franklin lawson fields ryan schmidt carr vasquez castillo
    wheeler chapman oliver montgomery richards williamson johnston banks meyer bishop
    mccoy howell morrison hansen fernandez harvey little burton stanley nguyen george
    jacobs reid fuller lynch dean gilbert garrett romero welch larson frazier burke hanson
    muller mueller schneider fischer weber becker schulz hoffmann koch richter klein wolf
    schroeder neumann schwarz zimmermann braun kruger hofmann hartmann lange werner krause
    dubois durand leroy moreau simon laurent lefebvre michel bernard petit roux fournier
    rossi russo ferrari esposito bianchi romano colombo ricci marino greco bruno gallo
    conti costa giordano mancini rizzo lombardi silva santos oliveira souza pereira ferreira
    alves rodrigues nowak kowalski wisniewski wojcik kowalczyk kaminski lewandowski
    ivanov smirnov kuznetsov popov sokolov jansen dejong devries vandenberg bakker visser
    khan ahmed ali hussain shah singh kumar sharma gupta das chen wang zhang liu yang huang
    zhao wu zhou xu sun ma zhu hu guo he lin tanaka suzuki takahashi watanabe ito yamamoto
    nakamura kobayashi sato okafor adeyemi okonkwo mensah osei obi murphy kelly byrne ryan
    obrien walsh oconnor mccarthy doyle
    """.split()
)

GENDER_VALUES = frozenset(
    """m f male female man woman men women non-binary nonbinary non_binary other x u unknown
    diverse divers d w mann frau masculin feminin masculino femenino hombre mujer homme femme
    prefer_not_to_say prefer not to say autre otro otra andere sonstige""".split()
) | {"prefer not to say", "non binary", "not specified", "undisclosed"}

ETHNICITY_VALUES = frozenset(
    {
        "white", "black", "asian", "mixed", "hispanic", "latino", "latina", "latinx",
        "arab", "chinese", "indian", "pakistani", "bangladeshi", "caribbean", "african",
        "white british", "white irish", "white other", "black african", "black caribbean",
        "black british", "asian british", "mixed race", "multiracial", "native american",
        "pacific islander", "other ethnic group", "any other ethnic group", "other",
        "prefer not to say", "gypsy or irish traveller", "roma", "indigenous",
        "hispanic or latino", "not hispanic or latino", "american indian or alaska native",
        "native hawaiian or other pacific islander", "black or african american",
        "two or more races", "white (non-hispanic)", "east asian", "south asian",
        "middle eastern",
    }
)

RELIGION_VALUES = frozenset(
    {
        "christian", "christianity", "muslim", "islam", "jewish", "judaism", "hindu",
        "hinduism", "buddhist", "buddhism", "sikh", "sikhism", "atheist", "agnostic",
        "no religion", "none", "catholic", "protestant", "orthodox", "other",
        "prefer not to say", "jain", "bahai", "spiritual",
    }
)
