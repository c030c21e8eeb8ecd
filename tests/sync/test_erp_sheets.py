"""ERP sheets: documents and their lines imported by natural key, numbers generated, a BOM known by its product."""

import csv
import io
from decimal import Decimal

import sqlalchemy as sa
from openpyxl import Workbook

from models.crm import Interaction
from models.inventory import StockMove
from models.manufacturing import BomLine
from models.sales import SalesOrder, SalesOrderLine
from resolvers.permissions import Actor
from sync.importer import import_workbook
from sync.registry import layout_for


def write_workbook(path, sheets: dict[str, list[list]]) -> None:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)


def rows_of(engine, model) -> list[dict]:
    table = model.__table__
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(sa.select(table).order_by(table.c.id)).mappings()]


def test_orders_and_their_lines_import_together_and_a_blank_number_is_generated(
    engine, tmp_path, customer, warehouse, product
):
    # given a sheet with one numbered order, one without a number, and lines of the numbered one
    path = tmp_path / "orders.xlsx"
    write_workbook(
        path,
        {
            "Sales Orders": [
                ["ID", "Number", "Customer Code", "Warehouse Code"],
                [None, "SO-SHEET-1", customer.code, warehouse.code],
                [None, None, customer.code, warehouse.code],
            ],
            "Sales Order Lines": [
                ["ID", "Order Number", "Line No", "Product SKU", "Quantity", "Discount Percent"],
                [None, "SO-SHEET-1", 1, product.sku, 2.5, 10],
                [None, "SO-SHEET-1", 2, product.sku, 1, None],
            ],
        },
    )

    # when it is imported
    result = import_workbook(engine, path, actor=Actor.system(via="import"))

    # then both orders exist, the second with a generated number, and the lines belong to the first
    assert result.errors == []
    orders = rows_of(engine, SalesOrder)
    assert orders[0]["number"] == "SO-SHEET-1"
    assert orders[1]["number"].startswith("SO-0")
    lines = rows_of(engine, SalesOrderLine)
    assert [(line["order_id"], line["line_no"], line["quantity"]) for line in lines] == [
        (orders[0]["id"], 1, Decimal("2.500")),
        (orders[0]["id"], 2, Decimal("1.000")),
    ]
    assert lines[0]["discount_percent"] == Decimal("10.00")


def test_a_bad_line_is_named_by_its_cell_and_nothing_is_written(engine, tmp_path, sales_order, product):
    path = tmp_path / "lines.xlsx"
    write_workbook(
        path,
        {
            "Sales Order Lines": [
                ["ID", "Order Number", "Line No", "Product SKU", "Quantity"],
                [None, sales_order.number, 1, product.sku, 1],
                [None, sales_order.number, 2, product.sku, 0],
            ]
        },
    )

    result = import_workbook(engine, path, actor=Actor.system(via="import"))

    assert [(problem.sheet, problem.row, problem.message) for problem in result.errors] == [
        ("Sales Order Lines", 3, "quantity must be more than 0")
    ]
    assert rows_of(engine, SalesOrderLine) == []


def test_bom_lines_name_their_bill_by_its_product_sku(engine, tmp_path, make_product, make_bill_of_materials):
    table, leg = make_product(sku="TABLE-1"), make_product(sku="LEG-1")
    bom = make_bill_of_materials(table)
    assert layout_for("BOM Lines").column("bom_id").title == "BOM Product SKU"
    path = tmp_path / "bom.xlsx"
    write_workbook(
        path,
        {"BOM Lines": [["ID", "BOM Product SKU", "Component SKU", "Quantity Per Unit"], [None, "table-1", "LEG-1", 4]]},
    )

    result = import_workbook(engine, path, actor=Actor.system(via="import"))

    assert result.errors == []
    (line,) = rows_of(engine, BomLine)
    assert (line["bom_id"], line["component_id"], line["quantity_per_unit"]) == (bom.id, leg.id, Decimal("4.000"))


def test_an_unknown_bill_of_materials_is_named_by_its_product_sku(engine, tmp_path, make_product):
    make_product(sku="LEG-2")
    path = tmp_path / "bom.xlsx"
    write_workbook(
        path,
        {"BOM Lines": [["ID", "BOM Product SKU", "Component SKU", "Quantity Per Unit"], [None, "NOPE", "LEG-2", 4]]},
    )

    result = import_workbook(engine, path, actor=Actor.system(via="import"))

    assert [problem.message for problem in result.errors] == ["no bill of materials with product sku 'NOPE'"]


def test_bom_lines_export_with_the_bills_product_sku(client, make_product, make_bill_of_materials, make_bom_line):
    table, leg = make_product(sku="TABLE-3"), make_product(sku="LEG-3")
    make_bom_line(make_bill_of_materials(table), leg, quantity_per_unit=Decimal("4"))

    response = client.get("/exports/bom-lines.csv")

    assert response.status_code == 200, response.text
    (row,) = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert (row["BOM Product SKU"], row["Component SKU"], row["Quantity Per Unit"]) == ("TABLE-3", "LEG-3", "4.000")


def test_a_bill_of_materials_is_found_by_its_products_sku(gql, make_product, make_bill_of_materials, make_bom_line):
    table, leg = make_product(sku="TABLE-4"), make_product(sku="LEG-4")
    make_bom_line(make_bill_of_materials(table, notes="Glue, then screw"), leg)

    found = gql('{ billOfMaterials(productSku: "TABLE-4") { notes lines { quantityPerUnit component { sku } } } }')

    assert found["data"]["billOfMaterials"] == {
        "notes": "Glue, then screw",
        "lines": [{"quantityPerUnit": "2.000", "component": {"sku": "LEG-4"}}],
    }


# --- the Status column runs the workflow ------------------------------------------------------------------------


def _export_and_set_status(database_url, path, number: str, status: str) -> None:
    """Export the Sales Orders sheet and type `status` into the order's Status cell, as a salesperson would."""
    from openpyxl import load_workbook

    from sync.export_command import export_workbook_file

    export_workbook_file(
        str(path), database_url=database_url, sheets=["Sales Orders"], department=None, actor=Actor.system()
    )
    book = load_workbook(path)
    sheet = book["Sales Orders"]
    titles = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[titles.index("Number")].value == number:
            row[titles.index("Status")].value = status
    book.save(path)


def test_typing_confirmed_in_the_status_column_confirms_the_order(
    engine, database_url, tmp_path, make_sales_order, make_sales_order_line, customer, warehouse, product
):
    # Given a draft order with a line, exported
    order = make_sales_order(customer, warehouse)
    make_sales_order_line(order, product, quantity=Decimal("2"), unit_price=Decimal("5.00"))
    path = tmp_path / "orders.xlsx"
    _export_and_set_status(database_url, path, order.number, "Confirmed")

    # When the sheet comes back
    result = import_workbook(engine, path, actor=Actor.system(via="import"))

    # Then the order went through the same step as confirmSalesOrder: confirmed, on the customer's timeline
    assert result.errors == []
    (stored,) = rows_of(engine, SalesOrder)
    assert stored["status"].value == "confirmed" and stored["total_amount"] == Decimal("10.00")
    (event,) = rows_of(engine, Interaction)
    assert event["subject"] == f"Order {order.number} confirmed: 10.00"

    # And importing the same file again changes nothing
    again = import_workbook(engine, path, actor=Actor.system(via="import"))
    assert again.errors == [] and again.summary()["Sales Orders"]["updated"] == 0
    assert len(rows_of(engine, Interaction)) == 1


def test_a_step_the_workflow_has_no_arrow_for_is_reported_at_its_cell(
    engine, database_url, tmp_path, make_sales_order, make_sales_order_line, customer, warehouse, product
):
    order = make_sales_order(customer, warehouse)
    make_sales_order_line(order, product)
    path = tmp_path / "orders.xlsx"
    _export_and_set_status(database_url, path, order.number, "Shipped")

    result = import_workbook(engine, path, actor=Actor.system(via="import"))

    (problem,) = result.errors
    assert problem.cell.startswith("Sales Orders!") and "it can't become shipped" in problem.message
    assert rows_of(engine, SalesOrder)[0]["status"].value == "draft"
    assert rows_of(engine, StockMove) == []
