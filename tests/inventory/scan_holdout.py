"""A second, held-out labelled set for the PII scanner, built apart from the first.

The first corpus (``scan_corpus.py``) was written alongside the scanner. This one was
written afterwards, from the category definitions in docs/inventory.md and not from the
scanner's rules, and it was not used to tune the scanner: its numbers are reported as
measured. It differs on purpose: column names in French, Spanish, Italian, Dutch and German
(and messy English: spaces, capitals), other value generators and formats (national phone
formats, lowercase postcodes without spaces, IBANs in lowercase, dates in several
formats), padded whitespace, and missing values written as empty strings, "N/A", "-",
"null" or None mixed in one column. Hard negatives include invoice numbers shaped like
French mobiles, EAN barcodes starting with 4, batch numbers shaped like ZIP codes and app
versions shaped like IP addresses.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

_PRENOMS = ["Jean", "Marie", "Lucas", "Camille", "Hugo", "Léa", "Pablo", "Lucía", "Giulia", "Marco", "Sven",
            "Anke", "Jana", "Pieter", "Sanne", "Ahmed", "Amina", "Chen", "Mateo", "Inès", "Noah", "Élodie"]
_NOMS = ["Dupont", "Martin", "Bernard", "García", "Fernández", "Rossi", "Bianchi", "de Vries", "Jansen",
         "Bakker", "Schmidt", "Weber", "Benali", "Diallo", "Nowak", "Moreau", "Lefèvre", "Romano"]
_DOMAINES = ["exemple.fr", "correo.example.es", "posta.example.it", "example.nl", "web.example.de"]
_VILLES = ["Paris", "Lyon", "Madrid", "Sevilla", "Roma", "Milano", "Amsterdam", "Utrecht", "Köln", "Hamburg"]
_MOTS = ("produit conforme livraison rapide emballage abimé taille correcte couleur différente qualité "
         "bonne rapport qualité prix envoi soigné article reçu hier service client réactif").split()
_MISSING = ["", "N/A", "-", "null", None]


def _luhn(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def _iban(country: str, bban: str) -> str:
    num = int("".join(str(int(ch, 36)) for ch in bban + country + "00"))
    return f"{country}{98 - num % 97:02d}{bban}"


def make_holdout(n_rows: int = 1_500, *, seed: int = 11) -> tuple[pd.DataFrame, dict[str, str]]:
    """Build the held-out set: a frame of object columns and column -> expected category."""
    rng = np.random.default_rng(seed)
    n = n_rows

    def pick(seq: list[str] | tuple[str, ...], size: int = n) -> list[str]:
        return [seq[i] for i in rng.integers(0, len(seq), size=size)]

    def digits(k: int) -> str:
        return "".join(str(d) for d in rng.integers(0, 10, size=k))

    def hexs(k: int) -> str:
        return "".join("0123456789abcdef"[i] for i in rng.integers(0, 16, size=k))

    prenom, nom = pick(_PRENOMS), pick(_NOMS)
    cols: dict[str, list[object]] = {}
    labels: dict[str, str] = {}

    def add(name: str, values: list[object], category: str) -> None:
        cols[name] = list(values)
        labels[name] = category

    # identifiers
    add("id_cliente", [str(v) for v in rng.permutation(n) + 2_000_000], "direct_identifier")
    add("Kundennummer", [f"KD-{v:08d}" for v in rng.permutation(n) + 10_000], "direct_identifier")
    add("nom_complet", [f"{p} {s}" for p, s in zip(prenom, nom)], "direct_identifier")
    add("voornaam", pick(_PRENOMS), "direct_identifier")
    add("apellidos", pick(_NOMS), "direct_identifier")
    add("Client Name", [f"{s.upper()}, {p}" for p, s in zip(pick(_PRENOMS), pick(_NOMS))], "direct_identifier")
    add("login", [f"{p[0].lower()}{s.lower().replace(' ', '')}{rng.integers(1, 99)}" for p, s in zip(prenom, nom)],
        "direct_identifier")

    # contact
    add("courriel", [f" {p.lower()}.{s.lower().replace(' ', '')}@{d} " if i % 4 == 0 else
                     f"{p}.{s.replace(' ', '')}@{d}".upper() if i % 4 == 1 else f"{p.lower()}@{d}"
                     for i, (p, s, d) in enumerate(zip(prenom, nom, pick(_DOMAINES)))], "contact")
    add("correo_electronico", [f"{s.lower().replace(' ', '')}{rng.integers(10, 99)}@{d}"
                               for s, d in zip(pick(_NOMS), pick(_DOMAINES))], "contact")
    add("telefono", [f"+34 6{digits(2)} {digits(3)} {digits(3)}" if i % 2 else f"6{digits(8)}"
                     for i in range(n)], "contact")
    add("numero_portable", [f"06 {digits(2)} {digits(2)} {digits(2)} {digits(2)}" if i % 3 else
                            f"+33 7 {digits(2)} {digits(2)} {digits(2)} {digits(2)}" for i in range(n)], "contact")
    add("Handynummer", [f"01{rng.integers(51, 79)} {digits(7)}" if i % 2 else f"+49 1{rng.integers(51, 79)} {digits(7)}"
                        for i in range(n)], "contact")
    add("contact_info", [f"{p.lower()}@{d}" if i % 2 else f"+39 3{digits(2)} {digits(7)}"
                         for i, (p, d) in enumerate(zip(prenom, pick(_DOMAINES)))], "contact")
    add("adresse_postale", [f"{rng.integers(1, 200)} rue {s}" for s in pick(_NOMS)], "contact")
    notes = []
    for i in range(n):
        words = " ".join(pick(_MOTS, 9))
        if i % 4 == 0:
            words += f" rappelez-moi au 06 {digits(2)} {digits(2)} {digits(2)} {digits(2)}"
        elif i % 6 == 1:
            words += f" écrire à {prenom[i].lower()}@{_DOMAINES[0]}"
        notes.append(words)
    add("commentaire_client", notes, "contact")

    # demographic
    today = date(2025, 3, 1)
    born = [today - timedelta(days=int(d)) for d in rng.integers(18 * 365, 85 * 365, n)]
    add("fecha_nacimiento", [b.strftime("%d/%m/%Y") if i % 2 else b.isoformat() for i, b in enumerate(born)],
        "demographic")
    add("data_di_nascita", [b.strftime("%d.%m.%Y") for b in pick(born)], "demographic")
    add("genre", pick(["Homme", "Femme", "Autre"]), "demographic")
    add("Geschlecht", pick(["männlich", "weiblich", "divers"]), "demographic")
    add("edad", [str(v) for v in rng.integers(18, 90, n)], "demographic")

    # special category
    add("etnia", pick(["White", "Black", "Asian", "Mixed", "Hispanic or Latino", "Other"]), "special_category")
    add("diagnosis", pick(["none", "type 2 diabetes", "asthma", "depression", "hypertension", "epilepsy"]),
        "special_category")
    add("religion_declaree", pick(["Catholique", "Musulmane", "Juive", "Protestante", "Sans religion", "Bouddhiste"]),
        "special_category")

    # location
    add("code_postal", [f"{rng.integers(1, 96):02d}{digits(3)}" for _ in range(n)], "location")
    outward = ["SW1A", "EC1V", "M1", "B33", "LS2", "G12", "CF10", "BT7"]
    add("uk_post_code", [f"{o}{digits(1)}{'ABDEFGHJ'[rng.integers(0, 8)]}{'LNPQRSTU'[rng.integers(0, 8)]}".lower()
                         if i % 2 else f"{o} {digits(1)}AB" for i, o in enumerate(pick(outward))], "location")
    add("ciudad", pick(_VILLES), "location")

    # financial
    add("numero_carte", ["-".join(c[j:j + 4] for j in range(0, 16, 4)) for c in
                         [_luhn("4" + digits(14)) if i % 2 else _luhn("5" + str(rng.integers(1, 6)) + digits(13))
                          for i in range(n)]], "financial")
    add("rekeningnummer", [(_iban("NL", "ABNA" + digits(10)) if i % 2 else _iban("BE", digits(12))).lower()
                           for i in range(n)], "financial")
    add("salario_anual", [str(v) for v in rng.integers(15_000, 120_000, n)], "financial")
    add("credit_limit", [f"{v:.2f}" for v in rng.gamma(3.0, 800.0, n)], "financial")

    # behavioural
    add("nb_commandes", [str(v) for v in rng.poisson(5, n)], "behavioural")
    add("pages_vues_30j", [str(v) for v in rng.poisson(40, n)], "behavioural")
    add("ultima_compra", [(today - timedelta(minutes=int(m))).strftime("%Y-%m-%d %H:%M")
                          for m in rng.integers(0, 400 * 1440, n)], "behavioural")
    add("cart_abandon_rate", [f"{v:.3f}" for v in rng.beta(2, 5, n)], "behavioural")

    # device or online identifier
    add("adresse_ip", [f"{rng.integers(11, 223)}.{rng.integers(0, 256)}.{rng.integers(0, 256)}.{rng.integers(1, 255)}"
                       for _ in range(n)], "device")
    add("ip_v6", [":".join(hexs(4) for _ in range(8)) for _ in range(n)], "device")
    add("navigateur", pick(["Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
                            "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
                            "Chrome/124.0 Mobile Safari/537.36"]), "device")
    add("device_id", [f"{hexs(8)}-{hexs(4)}-4{hexs(3)}-8{hexs(3)}-{hexs(12)}" for _ in range(n)], "device")

    # inferred
    add("propension_achat", [f"{v:.4f}" for v in rng.uniform(0, 1, n)], "inferred")
    add("segmento_previsto", pick(["cazador de ofertas", "fiel", "inactivo", "nuevo"]), "inferred")

    # hard negatives and other
    add("numero_commande", [f"CMD-2024-{v:06d}" for v in rng.permutation(n)], "other")
    add("numero_facture", [f"06{digits(8)}" for _ in range(n)], "other")  # shaped like a French mobile
    add("ean13", [f"4{digits(12)}" for _ in range(n)], "other")  # starts like a Visa card; Luhn by chance
    add("numero_lote", [f"0{digits(4)}" for _ in range(n)], "other")  # shaped like a ZIP code
    add("version_app", [f"{rng.integers(1, 6)}.{rng.integers(0, 20)}.{rng.integers(0, 30)}" for _ in range(n)],
        "other")
    add("precio", [f"{v:.2f} €" for v in rng.gamma(2.0, 15.0, n)], "other")
    add("cantidad", [str(v) for v in rng.integers(1, 6, n)], "other")
    add("fecha_pedido", [(today - timedelta(days=int(d))).isoformat() for d in rng.integers(0, 700, n)], "other")
    add("descripcion_producto", [" ".join(pick(_MOTS, 7)) for _ in range(n)], "other")
    add("hash_transaccion", [hexs(40) for _ in range(n)], "other")
    add("codigo_producto", [f"ES-{digits(4)}-{'ABCDEFGH'[rng.integers(0, 8)]}{'KLMNPRST'[rng.integers(0, 8)]}"
                            for _ in range(n)], "other")

    df = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in cols.items()})
    # missing values written in several ways, mixed within a column
    for col in ("courriel", "telefono", "fecha_nacimiento", "code_postal", "adresse_ip", "salario_anual",
                "numero_carte", "genre", "edad", "nb_commandes"):
        rows = rng.choice(n, size=n // 12, replace=False)
        df.loc[rows, col] = [_MISSING[i % len(_MISSING)] for i in range(len(rows))]
    return df, labels
