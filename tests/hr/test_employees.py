"""Employees through GraphQL: identified by work email, placed in a department under a manager."""

import pytest

from models.hr import Employee
from tests.factories import count, stored

EMPLOYEE_FIELDS = "id version email name title hireDate salary department { code } manager { email } reports { email }"
ERRORS = "errors { field message code }"

CREATE = f"""
mutation Create($input: CreateEmployeeInput!) {{
  createEmployee(input: $input) {{ employee {{ {EMPLOYEE_FIELDS} }} {ERRORS} }}
}}"""
UPDATE = f"""
mutation Update($id: ID!, $version: Int, $input: UpdateEmployeeInput!) {{
  updateEmployee(id: $id, version: $version, input: $input) {{ employee {{ {EMPLOYEE_FIELDS} }} {ERRORS} }}
}}"""
DELETE = f"""
mutation Delete($id: ID!, $version: Int) {{
  deleteEmployee(id: $id, version: $version) {{ employee {{ id email }} {ERRORS} }}
}}"""
BY_ID = f"query ById($id: ID!) {{ employee(id: $id) {{ {EMPLOYEE_FIELDS} }} }}"
BY_EMAIL = f"query ByEmail($email: String!) {{ employee(email: $email) {{ {EMPLOYEE_FIELDS} }} }}"
LIST = "query List($filter: EmployeeFilter) { employees(filter: $filter) { totalCount nodes { name title } } }"


def create_employee(gql, **input):
    return gql(CREATE, {"input": input})["data"]["createEmployee"]


def update_employee(gql, id, input, version=None):
    return gql(UPDATE, {"id": id, "version": version, "input": input})["data"]["updateEmployee"]


def delete_employee(gql, id, version=None):
    return gql(DELETE, {"id": id, "version": version})["data"]["deleteEmployee"]


def only_error(payload):
    assert payload["employee"] is None
    (error,) = payload["errors"]
    return error


def test_created_employee_is_readable_by_id_and_by_email(gql, department, employee):
    created = create_employee(
        gql,
        email="Ploy.Chai@Onebook.Example",
        name="Ploy Chaiyaporn",
        title="Account manager",
        departmentId=str(department.id),
        managerId=str(employee.id),
        hireDate="2024-02-01",
        salary="540000.00",
    )

    assert created["errors"] == []
    hired = created["employee"]
    assert hired["email"] == "ploy.chai@onebook.example"
    assert (hired["hireDate"], hired["salary"], hired["version"]) == ("2024-02-01", "540000.00", 1)
    assert hired["department"] == {"code": department.code}
    assert hired["manager"] == {"email": employee.email}
    assert gql(BY_ID, {"id": hired["id"]})["data"]["employee"] == hired
    assert gql(BY_EMAIL, {"email": "ploy.chai@onebook.example"})["data"]["employee"] == hired
    assert gql(BY_ID, {"id": employee.id})["data"]["employee"]["reports"] == [{"email": hired["email"]}]


def test_update_is_a_patch_and_null_clears_the_manager(gql, engine, make_employee):
    manager = make_employee()
    report = make_employee(name="Ploy", title="Sales rep", manager_id=manager.id)

    payload = update_employee(gql, report.id, {"managerId": None, "title": "Sales lead"}, version=1)

    assert payload["errors"] == []
    row = stored(engine, Employee, report.id)
    assert (row["manager_id"], row["title"], row["name"], row["version"]) == (None, "Sales lead", "Ploy", 2)


@pytest.mark.parametrize(
    ("input", "field", "words"),
    [
        ({"email": "ploy@"}, "email", "not a valid email"),
        ({"email": ""}, "email", "required"),
        ({"name": ""}, "name", "required"),
        ({"salary": "-1.00"}, "salary", "at least 0"),
        ({"departmentId": "999999"}, "departmentId", "no department with id 999999"),
        ({"managerId": "999999"}, "managerId", "no employee with id 999999"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(gql, engine, input, field, words):
    error = only_error(create_employee(gql, **({"email": "ploy@onebook.example", "name": "Ploy"} | input)))

    assert (error["code"], error["field"]) == ("VALIDATION", ["input", field])
    assert words in error["message"]
    assert count(engine, Employee) == 0


def test_duplicate_email_is_refused_whatever_its_case(gql, engine, make_employee):
    make_employee(email="ploy@onebook.example")

    error = only_error(create_employee(gql, email="PLOY@onebook.example", name="Other Ploy"))

    assert (error["code"], error["field"]) == ("VALIDATION", ["input", "email"])
    assert count(engine, Employee) == 1


def test_negative_salary_on_update_leaves_the_salary_unchanged(gql, engine, make_employee):
    employee = make_employee(salary="400000.00")
    before = stored(engine, Employee, employee.id)

    error = only_error(update_employee(gql, employee.id, {"salary": "-400000.00"}))

    assert (error["code"], error["field"]) == ("VALIDATION", ["input", "salary"])
    assert stored(engine, Employee, employee.id) == before


def test_update_with_a_stale_version_is_a_conflict(gql, engine, employee):
    update_employee(gql, employee.id, {"title": "First"})
    before = stored(engine, Employee, employee.id)

    error = only_error(update_employee(gql, employee.id, {"title": "Second"}, version=1))

    assert (error["code"], error["field"]) == ("CONFLICT", ["version"])
    assert stored(engine, Employee, employee.id) == before


@pytest.mark.parametrize("id", ["999999", "ploy"])
def test_update_of_an_unknown_id_is_not_found(gql, engine, employee, id):
    error = only_error(update_employee(gql, id, {"title": "Ghost"}))

    assert (error["code"], error["field"]) == ("NOT_FOUND", ["id"])
    assert stored(engine, Employee, employee.id)["title"] is None


def test_delete_removes_an_employee_nothing_refers_to(gql, engine, employee):
    payload = delete_employee(gql, employee.id, version=1)

    assert payload == {"employee": {"id": str(employee.id), "email": employee.email}, "errors": []}
    assert count(engine, Employee) == 0


def test_employee_who_owns_customers_and_manages_people_is_not_deleted(gql, engine, make_employee, make_customer):
    manager = make_employee()
    make_employee(manager_id=manager.id)
    make_customer(owner_id=manager.id)
    make_customer(owner_id=manager.id)

    error = only_error(delete_employee(gql, manager.id))

    assert (error["code"], error["field"]) == ("INVALID_STATE", ["id"])
    assert "2 customers" in error["message"]
    assert "1 employee," in error["message"]
    assert count(engine, Employee) == 2


def test_delete_with_a_stale_version_keeps_the_employee(gql, engine, employee):
    update_employee(gql, employee.id, {"title": "Promoted"})

    error = only_error(delete_employee(gql, employee.id, version=1))

    assert (error["code"], error["field"]) == ("CONFLICT", ["version"])
    assert count(engine, Employee) == 1


@pytest.mark.parametrize("text", ["'; DROP TABLE customers; --", "<script>alert(1)</script>"])
def test_code_looking_text_is_stored_and_filtered_verbatim(gql, engine, text):
    created = create_employee(gql, email="ploy@onebook.example", name=text, title=text)["employee"]

    assert (created["name"], created["title"]) == (text, text)
    listed = gql(LIST, {"filter": {"name": {"eq": text}}})["data"]["employees"]
    assert listed == {"totalCount": 1, "nodes": [{"name": text, "title": text}]}
    assert stored(engine, Employee, created["id"])["title"] == text
