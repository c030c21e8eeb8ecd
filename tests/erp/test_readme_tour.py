"""The README's tour of a sale, from opportunity to payment, run as written: every document, in order."""

import re
from decimal import Decimal
from pathlib import Path

from tests.erp.books import trial_balance

README = Path(__file__).resolve().parents[2] / "README.md"


def tour_documents() -> list[str]:
    text = README.read_text()
    tour = text[text.index("<!-- tour:start -->") : text.index("<!-- tour:end -->")]
    return re.findall(r"```graphql\n(.*?)```", tour, flags=re.S)


def test_the_readme_tour_runs_from_opportunity_to_payment(gql, engine):
    documents = tour_documents()
    assert len(documents) == 15
    known: dict[str, str] = {}

    def run(document: str) -> dict:
        declared = re.findall(r"\$(\w+):", document.split("{", 1)[0])
        body = gql(document, {name: known[name] for name in declared})
        data = body["data"]
        for payload in data.values():
            if isinstance(payload, dict) and "errors" in payload:
                assert payload["errors"] == [], (document, payload)
        return data

    stock = run(documents[0])
    known["warehouseId"] = stock["createWarehouse"]["warehouse"]["id"]
    known["productId"] = stock["createProduct"]["product"]["id"]
    known["productSku"] = stock["createProduct"]["product"]["sku"]
    assert run(documents[1])["createStockMove"]["stockMove"]["value"] == "3500.00"

    known["customerId"] = run(documents[2])["createCustomer"]["customer"]["id"]
    known["opportunityId"] = run(documents[3])["createOpportunity"]["opportunity"]["id"]
    assert run(documents[4])["moveOpportunityStage"]["opportunity"] == {"stage": "WON", "probability": 100}

    known["orderId"] = run(documents[5])["createSalesOrder"]["salesOrder"]["id"]
    run(documents[6])
    assert run(documents[7])["confirmSalesOrder"]["salesOrder"] == {"status": "CONFIRMED", "totalAmount": "1140.00"}
    assert run(documents[8])["stockLevels"] == [
        {"warehouse": {"code": "HALL"}, "onHand": "50.000", "reserved": "10.000", "available": "40.000"}
    ]
    assert run(documents[9])["shipSalesOrder"]["salesOrder"]["status"] == "SHIPPED"
    invoice = run(documents[10])["invoiceSalesOrder"]["invoice"]
    assert (invoice["netAmount"], invoice["taxAmount"], invoice["totalAmount"]) == ("1140.00", "79.80", "1219.80")
    known["invoiceId"] = invoice["id"]
    assert run(documents[11])["issueInvoice"]["invoice"]["openAmount"] == "1219.80"

    run(documents[12])
    paid = run(documents[13])["recordPayment"]["payment"]["invoice"]
    assert paid == {"status": "PAID", "paidAmount": "1219.80", "openAmount": "0.00"}

    seen = run(documents[14])
    assert seen["customer360"]["openBalance"] == "0.00"
    assert seen["customer360"]["lifetimeValue"] == "1140.00"
    assert len(seen["customer360"]["interactions"]) == 5
    assert Decimal(seen["liquidity"]["cash"]) == Decimal("1219.80")
    assert trial_balance(engine) == 0
