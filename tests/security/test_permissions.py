"""The permission table as users meet it: which role reads and creates what, field rules, and forbidden relations.

The expectations are written out here on purpose, not derived from `resolvers.permissions.ENTITY_ACCESS`: a change
to the table must be made twice, once deliberately in each place.
"""

import json
from decimal import Decimal

import pytest

from app.database import transaction
from models.crm import Contact, Customer, Interaction, Opportunity, Ticket
from models.finance import Account, Invoice, InvoiceLine, JournalEntry, JournalLine, Payment
from models.hr import Department, Employee
from models.inventory import Product, StockMove, Warehouse
from models.manufacturing import BillOfMaterials, BomLine, WorkOrder
from models.purchasing import PurchaseOrder, PurchaseOrderLine, Supplier
from models.sales import SalesOrder, SalesOrderLine
from models.system import AuditEvent, ImportBatch, User
from resolvers.errors import ErrorCode, Refused
from resolvers.permissions import ENTITY_ACCESS, Actor, Role
from resolvers.users import add_user
from schema import schema
from tests.factories import count, stored

ROLES = ["sales", "purchasing", "warehouse", "finance", "hr", "readonly", "admin"]

#: What each role may do with each entity: RW read and create, R read only, - nothing.
ACCESS_TABLE = """
entity             sales  purchasing  warehouse  finance  hr  readonly  admin
Customer           RW     R           R          RW       -   R         RW
Contact            RW     -           R          R        -   R         RW
Interaction        RW     -           -          R        -   R         RW
Opportunity        RW     -           -          R        -   R         RW
Ticket             RW     -           R          -        -   R         RW
Department         R      R           R          R        RW  R         RW
Employee           R      R           R          R        RW  R         RW
Product            R      R           RW         R        -   R         RW
Warehouse          R      R           RW         R        -   R         RW
StockMove          R      -           RW         R        -   R         RW
Supplier           -      RW          R          R        -   R         RW
PurchaseOrder      -      RW          R          R        -   R         RW
PurchaseOrderLine  -      RW          R          R        -   R         RW
SalesOrder         RW     -           R          R        -   R         RW
SalesOrderLine     RW     -           R          R        -   R         RW
Invoice            -      -           -          RW       -   R         RW
InvoiceLine        -      -           -          RW       -   R         RW
Payment            -      -           -          RW       -   R         RW
Account            -      -           -          RW       -   R         RW
JournalEntry       -      -           -          RW       -   R         RW
JournalLine        -      -           -          RW       -   R         RW
BillOfMaterials    -      R           RW         R        -   R         RW
BomLine            -      R           RW         R        -   R         RW
WorkOrder          -      -           RW         R        -   R         RW
User               -      -           -          -        -   -         RW
AuditEvent         -      -           -          -        -   -         R
ImportBatch        -      -           -          -        -   -         R
"""


def _parse_access(table: str) -> dict[tuple[str, str], str]:
    header, *rows = [line.split() for line in table.strip().splitlines()]
    assert header[1:] == ROLES
    return {(row[0], role): cell for row in rows for role, cell in zip(ROLES, row[1:], strict=True)}


ACCESS = _parse_access(ACCESS_TABLE)
ENTITIES = [
    "Customer",
    "Contact",
    "Interaction",
    "Opportunity",
    "Ticket",
    "Department",
    "Employee",
    "Product",
    "Warehouse",
    "StockMove",
    "Supplier",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "SalesOrder",
    "SalesOrderLine",
    "Invoice",
    "InvoiceLine",
    "Payment",
    "Account",
    "JournalEntry",
    "JournalLine",
    "BillOfMaterials",
    "BomLine",
    "WorkOrder",
    "User",
    "AuditEvent",
    "ImportBatch",
]
LIST_FIELDS = {
    "Customer": "customers",
    "Contact": "contacts",
    "Interaction": "interactions",
    "Opportunity": "opportunities",
    "Ticket": "tickets",
    "Department": "departments",
    "Employee": "employees",
    "Product": "products",
    "Warehouse": "warehouses",
    "StockMove": "stockMoves",
    "Supplier": "suppliers",
    "PurchaseOrder": "purchaseOrders",
    "PurchaseOrderLine": "purchaseOrderLines",
    "SalesOrder": "salesOrders",
    "SalesOrderLine": "salesOrderLines",
    "Invoice": "invoices",
    "InvoiceLine": "invoiceLines",
    "Payment": "payments",
    "Account": "accounts",
    "JournalEntry": "journalEntries",
    "JournalLine": "journalLines",
    "BillOfMaterials": "billsOfMaterials",
    "BomLine": "bomLines",
    "WorkOrder": "workOrders",
    "User": "users",
    "AuditEvent": "auditEvents",
    "ImportBatch": "importBatches",
}
MODELS = {
    "Customer": Customer,
    "Contact": Contact,
    "Interaction": Interaction,
    "Opportunity": Opportunity,
    "Ticket": Ticket,
    "Department": Department,
    "Employee": Employee,
    "Product": Product,
    "Warehouse": Warehouse,
    "StockMove": StockMove,
    "Supplier": Supplier,
    "PurchaseOrder": PurchaseOrder,
    "PurchaseOrderLine": PurchaseOrderLine,
    "SalesOrder": SalesOrder,
    "SalesOrderLine": SalesOrderLine,
    "Invoice": Invoice,
    "InvoiceLine": InvoiceLine,
    "Payment": Payment,
    "Account": Account,
    "JournalEntry": JournalEntry,
    "JournalLine": JournalLine,
    "BillOfMaterials": BillOfMaterials,
    "BomLine": BomLine,
    "WorkOrder": WorkOrder,
    "User": User,
    "AuditEvent": AuditEvent,
    "ImportBatch": ImportBatch,
}
#: Entities with create mutations, and a valid input for each (given an existing customer's id).
CREATE_INPUTS = {
    "Customer": lambda customer_id: {"code": "C-NEW", "name": "New customer"},
    "Contact": lambda customer_id: {"customerId": customer_id, "name": "New contact", "email": "new@x.test"},
    "Interaction": lambda customer_id: {
        "customerId": customer_id,
        "kind": "CALL",
        "occurredAt": "2025-03-01T09:30:00Z",
        "subject": "New call",
    },
    "Opportunity": lambda customer_id: {"number": "OPP-NEW", "customerId": customer_id, "title": "New deal"},
    "Ticket": lambda customer_id: {"number": "T-NEW", "customerId": customer_id, "subject": "New ticket"},
    "Department": lambda customer_id: {"code": "D-NEW", "name": "New department"},
    "Employee": lambda customer_id: {"email": "new.hire@onebook.test", "name": "New hire"},
    "Product": lambda customer_id: {"sku": "SKU-NEW", "name": "New product"},
    "Warehouse": lambda customer_id: {"code": "WH-NEW", "name": "New warehouse"},
    "Supplier": lambda customer_id: {"code": "S-NEW", "name": "New supplier"},
    "Invoice": lambda customer_id: {"customerId": customer_id},
    "Account": lambda customer_id: {"code": "9999", "name": "New account", "kind": "ASSET"},
}
ROLE_ENTITY = [pytest.param(role, entity, id=f"{role}-{entity}") for entity in ENTITIES for role in ROLES]


@pytest.fixture
def one_of_each(engine, customer, contact, make_interaction, opportunity, ticket, department, employee, erp_rows):
    make_interaction(customer)
    with engine.begin() as connection:
        connection.execute(ImportBatch.__table__.insert(), {"via": "import", "filename": "sales.xlsx", "summary": {}})
    return customer


@pytest.fixture
def erp_rows(
    customer,
    product,
    warehouse,
    purchase_order,
    sales_order,
    invoice,
    issued_invoice,
    make_stock_move,
    make_purchase_order_line,
    make_sales_order_line,
    make_invoice_line,
    make_payment,
    make_account,
    make_journal_entry,
    make_journal_line,
    make_bill_of_materials,
    make_bom_line,
    make_product,
    make_work_order,
):
    """One row of every ERP entity."""
    make_stock_move(product, warehouse)
    make_purchase_order_line(purchase_order, product)
    make_sales_order_line(sales_order, product)
    make_invoice_line(invoice)
    make_payment(issued_invoice)
    make_journal_line(make_journal_entry(), make_account())
    make_bom_line(make_bill_of_materials(product), make_product())
    make_work_order(product, warehouse)


# --- the entity table ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "entity"), ROLE_ENTITY)
def test_reading_a_list_follows_the_table(client_as, one_of_each, role, entity):
    # given one row of every entity; when a user with this role reads the entity's list
    field = LIST_FIELDS[entity]
    body = client_as(role)(f"{{ {field} {{ totalCount nodes {{ id }} }} }}", expect_errors=True)

    if ACCESS[entity, role] in ("R", "RW"):
        # then the rows come back
        assert "errors" not in body, body["errors"]
        assert body["data"][field]["totalCount"] >= 1
        assert len(body["data"][field]["nodes"]) == body["data"][field]["totalCount"]
    else:
        # then nothing comes back but a FORBIDDEN error at the field
        assert body["data"] is None
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "FORBIDDEN"
        assert error["path"] == [field]


@pytest.mark.parametrize(("role", "entity"), [p for p in ROLE_ENTITY if p.values[1] in CREATE_INPUTS])
def test_creating_follows_the_table(client_as, engine, customer, role, entity):
    # given a customer to attach things to and a user with this role
    model = MODELS[entity]
    user = client_as(role)
    before = count(engine, model)
    events_before = count(engine, AuditEvent)

    # when a user with this role creates a row of this entity
    mutation = f"create{entity}"
    object_field = entity[0].lower() + entity[1:]
    document = f"""
    mutation ($input: Create{entity}Input!) {{
      {mutation}(input: $input) {{ {object_field} {{ id }} errors {{ field message code }} }}
    }}"""
    payload = user(document, {"input": CREATE_INPUTS[entity](str(customer.id))})["data"][mutation]

    if ACCESS[entity, role] == "RW":
        # then it is created
        assert payload["errors"] == []
        assert stored(engine, model, payload[object_field]["id"]) is not None
        assert count(engine, model) == before + 1
    else:
        # then it is refused with FORBIDDEN and nothing is written, not even an audit event
        assert payload[object_field] is None
        (error,) = payload["errors"]
        assert error["code"] == "FORBIDDEN"
        assert error["message"] == f"you may not change {entity.lower()} records"
        assert count(engine, model) == before
        assert count(engine, AuditEvent) == events_before


@pytest.mark.parametrize("role", ROLES)
def test_adding_users_follows_the_table(engine, role):
    # given an actor with this role (users are added through the domain function; no mutation exists for them)
    actor = Actor(user_id=None, email=f"{role}@example.test", roles=frozenset({Role(role)}))
    before = count(engine, User)

    # when they add a user
    try:
        with transaction(engine) as session:
            add_user(session, email="new.user@example.test", roles=["sales"], actor=actor)
        refusal = None
    except Refused as refused:
        refusal = refused

    # then only admin may
    if ACCESS["User", role] == "RW":
        assert refusal is None
        assert count(engine, User) == before + 1
    else:
        assert refusal is not None
        assert [error.code for error in refusal.errors] == [ErrorCode.FORBIDDEN]
        assert count(engine, User) == before


def test_no_mutation_writes_users_tokens_or_audit_events():
    # Users and tokens are managed at the command line; the audit trail is written only as a side effect.
    mutation_fields = schema._schema.mutation_type.fields
    touched = {
        name
        for name, field in mutation_fields.items()
        if any(word in name.lower() for word in ("user", "token", "audit"))
        or any(word in str(field.type) for word in ("User", "Token", "Audit"))
    }
    assert touched == set()


# --- field rules: salary ------------------------------------------------------------------------------------------

SALARY = "98765.43"


@pytest.fixture
def paid_employee(make_employee, make_customer, make_department):
    """An employee with a salary, who owns a customer and heads a department."""
    employee = make_employee(salary=Decimal(SALARY))
    make_customer(owner_id=employee.id)
    make_department(head_id=employee.id)
    return employee


SALARY_QUERIES = [
    pytest.param("{ employees { nodes { email salary } } }", ["employees", "nodes", 0, "salary"], id="list"),
    pytest.param(
        "{ customers { nodes { code owner { email salary } } } }",
        ["customers", "nodes", 0, "owner", "salary"],
        id="nested-in-customer",
    ),
    pytest.param(
        "{ departments { nodes { code head { email salary } } } }",
        ["departments", "nodes", 0, "head", "salary"],
        id="nested-in-department",
    ),
    pytest.param("{ employees { nodes { email pay: salary } } }", ["employees", "nodes", 0, "pay"], id="aliased"),
    pytest.param(
        "query ($email: String!) { employee(email: $email) { email salary } }", ["employee", "salary"], id="by-key"
    ),
    pytest.param(
        "{ employees { nodes { email ...Pay } } } fragment Pay on Employee { salary }",
        ["employees", "nodes", 0, "salary"],
        id="fragment",
    ),
]


@pytest.mark.parametrize(("query", "path"), SALARY_QUERIES)
def test_sales_never_sees_a_salary(client_as, paid_employee, query, path):
    # given an employee with a salary; when a sales user asks for it, one way or another
    sales = client_as("sales")
    response = sales.http.post("/graphql", json={"query": query, "variables": {"email": paid_employee.email}})

    # then the amount appears nowhere in the response
    assert response.status_code == 200
    assert "98765" not in response.text
    # and there is a FORBIDDEN error at the salary's path, while the rest of the data is there
    body = response.json()
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["path"] == path
    assert paid_employee.email in response.text


@pytest.mark.parametrize(
    ("role", "query", "path"),
    [
        pytest.param(role, *query.values, id=f"{role}-{query.id}")
        for role in ("hr", "admin")
        for query in SALARY_QUERIES
        if (role, query.id) != ("hr", "nested-in-customer")  # hr may not read customers at all
    ],
)
def test_hr_and_admin_see_salaries(client_as, paid_employee, role, query, path):
    body = client_as(role)(query, {"email": paid_employee.email})

    value = body["data"]
    for step in path:
        value = value[step]
    assert value == SALARY


@pytest.mark.parametrize("role", ["sales", "purchasing", "warehouse", "finance", "readonly"])
def test_salary_is_hidden_from_every_role_but_hr_and_admin(client_as, paid_employee, role):
    response = client_as(role).http.post("/graphql", json={"query": "{ employees { nodes { salary } } }"})

    assert "98765" not in response.text
    assert [error["extensions"]["code"] for error in response.json()["errors"]] == ["FORBIDDEN"]


HISTORY = "query ($id: ID!) { employee(id: $id) { email history { nodes { action changes } } } }"
RAISE_SALARY = (
    'mutation ($id: ID!) { updateEmployee(id: $id, input: {salary: "12345.67", title: "Lead"}) { errors { code } } }'
)


def test_sales_does_not_see_salary_changes_in_an_employees_history(client_as, gql, paid_employee):
    # given an employee whose salary (and title) was changed
    assert gql(RAISE_SALARY, {"id": str(paid_employee.id)})["data"]["updateEmployee"]["errors"] == []

    # when a sales user reads the employee's history
    sales = client_as("sales")
    response = sales.http.post("/graphql", json={"query": HISTORY, "variables": {"id": str(paid_employee.id)}})

    # then neither the old nor the new salary is in it, but the other changes are
    assert "98765" not in response.text
    assert "12345" not in response.text
    update, _ = response.json()["data"]["employee"]["history"]["nodes"]
    assert update == {"action": "update", "changes": {"title": [None, "Lead"]}}


def test_hr_sees_salary_changes_in_an_employees_history(client_as, gql, paid_employee):
    assert gql(RAISE_SALARY, {"id": str(paid_employee.id)})["data"]["updateEmployee"]["errors"] == []

    body = client_as("hr")(HISTORY, {"id": str(paid_employee.id)})

    update, _ = body["data"]["employee"]["history"]["nodes"]
    assert update["changes"] == {"salary": [SALARY, "12345.67"], "title": [None, "Lead"]}


@pytest.mark.parametrize(
    "arguments",
    [
        pytest.param('filter: {salary: {gt: "98765"}}', id="filter"),
        pytest.param('filter: {or: [{name: {eq: "x"}}, {not: {salary: {lt: "98765"}}}]}', id="nested-filter"),
        pytest.param("orderBy: [{salary: DESC}]", id="order"),
    ],
)
def test_sales_cannot_filter_or_sort_employees_by_salary(client_as, paid_employee, arguments):
    # filtering or sorting by a field would let a reader bisect its value
    body = client_as("sales")(f"{{ employees({arguments}) {{ totalCount nodes {{ email }} }} }}", expect_errors=True)

    assert body["data"] is None
    assert [(error["extensions"]["code"], error["path"]) for error in body["errors"]] == [("FORBIDDEN", ["employees"])]


def test_hr_may_filter_employees_by_salary(client_as, paid_employee):
    body = client_as("hr")('{ employees(filter: {salary: {gt: "98765"}}) { nodes { email } } }')

    assert body["data"]["employees"]["nodes"] == [{"email": paid_employee.email}]


# --- field rules: credit limit ----------------------------------------------------------------------------------

CREATE_CUSTOMER = """
mutation ($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id code creditLimit } errors { field message code } }
}"""
UPDATE_CUSTOMER = """
mutation ($id: ID!, $input: UpdateCustomerInput!) {
  updateCustomer(id: $id, input: $input) { customer { id name creditLimit } errors { field message code } }
}"""


def test_sales_may_not_set_a_credit_limit_when_creating(client_as, engine):
    before = count(engine, Customer)

    payload = client_as("sales")(CREATE_CUSTOMER, {"input": {"code": "C-1", "name": "Acme", "creditLimit": "5000"}})
    result = payload["data"]["createCustomer"]

    assert result["customer"] is None
    assert result["errors"] == [
        {
            "field": ["input", "creditLimit"],
            "message": "you may not change the credit limit of a customer",
            "code": "FORBIDDEN",
        }
    ]
    assert count(engine, Customer) == before


def test_sales_may_not_change_a_credit_limit(client_as, engine, make_customer):
    customer = make_customer(credit_limit=Decimal("1000"), name="Acme")

    result = client_as("sales")(UPDATE_CUSTOMER, {"id": str(customer.id), "input": {"creditLimit": "9000"}})

    payload = result["data"]["updateCustomer"]
    assert payload["customer"] is None
    assert [(error["field"], error["code"]) for error in payload["errors"]] == [(["input", "creditLimit"], "FORBIDDEN")]
    row = stored(engine, Customer, customer.id)
    assert row["credit_limit"] == Decimal("1000")
    assert row["version"] == customer.version


def test_a_sales_change_that_also_names_another_field_and_the_credit_limit_changes_nothing(
    client_as, engine, make_customer
):
    customer = make_customer(credit_limit=Decimal("1000"), name="Acme")

    result = client_as("sales")(UPDATE_CUSTOMER, {"id": str(customer.id), "input": {"name": "X", "creditLimit": "1"}})

    assert result["data"]["updateCustomer"]["errors"][0]["code"] == "FORBIDDEN"
    row = stored(engine, Customer, customer.id)
    assert (row["name"], row["credit_limit"]) == ("Acme", Decimal("1000"))


def test_sales_may_update_a_customer_without_touching_the_credit_limit(client_as, engine, make_customer):
    customer = make_customer(credit_limit=Decimal("1000"), name="Acme")

    result = client_as("sales")(UPDATE_CUSTOMER, {"id": str(customer.id), "input": {"name": "Acme Trading"}})

    assert result["data"]["updateCustomer"]["errors"] == []
    row = stored(engine, Customer, customer.id)
    assert (row["name"], row["credit_limit"]) == ("Acme Trading", Decimal("1000"))


def test_sales_may_send_back_the_unchanged_credit_limit(client_as, engine, make_customer):
    # as a client that echoes every field it read (or a sheet round trip) does
    customer = make_customer(credit_limit=Decimal("1000"), name="Acme")

    input = {"name": "Acme Trading", "creditLimit": "1000.00"}
    result = client_as("sales")(UPDATE_CUSTOMER, {"id": str(customer.id), "input": input})

    assert result["data"]["updateCustomer"]["errors"] == []
    assert stored(engine, Customer, customer.id)["name"] == "Acme Trading"


def test_finance_may_set_a_credit_limit_on_create_and_update(client_as, engine):
    finance = client_as("finance")

    created = finance(CREATE_CUSTOMER, {"input": {"code": "C-1", "name": "Acme", "creditLimit": "5000"}})
    customer = created["data"]["createCustomer"]["customer"]
    updated = finance(UPDATE_CUSTOMER, {"id": customer["id"], "input": {"creditLimit": "7500.50"}})

    assert customer["creditLimit"] == "5000.00"
    assert updated["data"]["updateCustomer"]["errors"] == []
    assert stored(engine, Customer, customer["id"])["credit_limit"] == Decimal("7500.50")


# --- forbidden relations ------------------------------------------------------------------------------------------


def test_a_forbidden_relation_is_null_with_an_error_while_the_rest_is_returned(
    client_as, make_customer, make_interaction
):
    # given two customers with interactions; warehouse may read customers but not interactions
    for code in ("C-A", "C-B"):
        make_interaction(make_customer(code=code))

    # when warehouse asks for customers with their interactions
    body = client_as("warehouse")(
        "{ customers(orderBy: [{code: ASC}]) { nodes { code interactions { totalCount } } } }", expect_errors=True
    )

    # then the customers come back, each with interactions null and a FORBIDDEN error at its path
    assert body["data"] == {
        "customers": {"nodes": [{"code": "C-A", "interactions": None}, {"code": "C-B", "interactions": None}]}
    }
    assert sorted((e["extensions"]["code"], json.dumps(e["path"])) for e in body["errors"]) == [
        ("FORBIDDEN", json.dumps(["customers", "nodes", 0, "interactions"])),
        ("FORBIDDEN", json.dumps(["customers", "nodes", 1, "interactions"])),
    ]


def test_a_forbidden_list_relation_is_null_with_an_error(client_as, make_customer, make_ticket):
    # given a customer with a ticket
    make_ticket(make_customer(code="C-A"))

    # when finance (may read customers, not tickets) asks for a customer's tickets
    body = client_as("finance")("{ customers { nodes { code tickets { number } } } }", expect_errors=True)

    # then the ticket list is null with FORBIDDEN while the customer is returned
    assert body["data"] == {"customers": {"nodes": [{"code": "C-A", "tickets": None}]}}
    assert [(e["extensions"]["code"], e["path"]) for e in body["errors"]] == [
        ("FORBIDDEN", ["customers", "nodes", 0, "tickets"])
    ]


def test_a_readable_entity_reached_through_a_relation_still_shows(client_as, make_customer, make_employee):
    # purchasing may read customers and employees: the owner comes through
    owner = make_employee(email="owner@onebook.test")
    make_customer(code="C-A", owner_id=owner.id)

    body = client_as("purchasing")("{ customers { nodes { code owner { email } } } }")

    assert body["data"] == {"customers": {"nodes": [{"code": "C-A", "owner": {"email": "owner@onebook.test"}}]}}


def test_a_user_is_readable_by_admin_only_even_by_email(client_as, token_for):
    token_for("sales", email="someone@example.test")

    for role in ("sales", "hr", "readonly"):
        body = client_as(role)('{ user(email: "someone@example.test") { email } }', expect_errors=True)
        assert body["data"] == {"user": None}
        assert [error["extensions"]["code"] for error in body["errors"]] == ["FORBIDDEN"]
    admin = client_as("admin")('{ user(email: "someone@example.test") { email roles } }')
    assert admin["data"]["user"] == {"email": "someone@example.test", "roles": ["SALES"]}


def test_the_table_in_this_test_covers_every_role_and_every_entity_the_api_serves():
    # a new role, or an entity that gets a GraphQL type, must get its expectations written out here too
    assert {role.value for role in Role} == set(ROLES)
    served = {model.__name__ for model in ENTITY_ACCESS if model.__name__ in schema._schema.type_map}
    assert served - {"SheetLink"} == set(ENTITIES)  # SheetLink: test_sheet_links_are_for_admins_only


@pytest.mark.parametrize("role", ROLES)
def test_sheet_links_are_for_admins_only(client_as, engine, role):
    # given a linked spreadsheet
    from app.database import transaction
    from sync.google import create_link

    with transaction(engine) as session:
        create_link(session, spreadsheet_id="sheet-x", sheets=["customers"], department=None, actor=Actor.system())
    # when a user with this role lists the links
    body = client_as(role)("{ sheetLinks { spreadsheetId sheets } }", expect_errors=True)
    # then only an admin sees it
    if role == "admin":
        assert body["data"]["sheetLinks"] == [{"spreadsheetId": "sheet-x", "sheets": ["Customers"]}]
    else:
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
