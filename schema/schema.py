"""Assembles Query and Mutation from every department's types through the generic field factories."""

from typing import Annotated

import strawberry
from graphql import GraphQLError
from sqlalchemy.orm import Session
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)

from models import crm as crm_models
from models import finance as finance_models
from models import hr as hr_models
from models import inventory as inventory_models
from models import manufacturing as manufacturing_models
from models import purchasing as purchasing_models
from models import sales as sales_models
from models import system as system_models
from models.crm import OpportunityStage
from resolvers import crm as crm_operations
from resolvers.listing import ListError, SortKey
from schema import crm, finance, hr, inventory, manufacturing, purchasing, sales, system
from schema.fields import (
    VERSION,
    create_mutation,
    delete_mutation,
    get_field,
    list_field,
    parse_id,
    run_mutation,
    update_mutation,
)
from schema.inventory import StockQueries
from schema.reports import ReportQueries
from schema.sheets import SheetLinkMutations, SheetLinkQueries, SheetMutations, SheetQueries
from schema.workflows import WorkflowMutations

NEWEST_INTERACTIONS = (
    SortKey(crm.interactions.c.occurred_at, descending=True),
    SortKey(crm.interactions.c.id, descending=True),
)
NEWEST_STOCK_MOVES = (
    SortKey(inventory.stock_moves.c.occurred_at, descending=True),
    SortKey(inventory.stock_moves.c.id, descending=True),
)
NEWEST_JOURNAL_ENTRIES = (
    SortKey(finance.journal_entries.c.posted_at, descending=True),
    SortKey(finance.journal_entries.c.id, descending=True),
)
ACCOUNTS_BY_CODE = (SortKey(finance.accounts.c.code), SortKey(finance.accounts.c.id))
ID_ARGUMENT = strawberry.argument(description="Which object.")


@strawberry.type(description="Everything Onebook holds, readable in one place.")
class Query(StockQueries, ReportQueries, SheetQueries, SheetLinkQueries):
    customer = get_field(crm_models.Customer, crm.Customer, description="One customer, by id or by code.")
    customers = list_field(
        crm_models.Customer, crm.Customer, crm.CustomerFilter, crm.CustomerOrderBy, description="Customers, by code."
    )
    contact = get_field(
        crm_models.Contact, crm.Contact, description="One contact, by id or by customer code and email."
    )
    contacts = list_field(
        crm_models.Contact, crm.Contact, crm.ContactFilter, crm.ContactOrderBy, description="Contacts, by id."
    )
    interaction = get_field(crm_models.Interaction, crm.Interaction, description="One interaction, by id.")
    interactions = list_field(
        crm_models.Interaction,
        crm.Interaction,
        crm.InteractionFilter,
        crm.InteractionOrderBy,
        description="Interactions across all customers, newest first.",
        default_order=NEWEST_INTERACTIONS,
    )
    opportunity = get_field(crm_models.Opportunity, crm.Opportunity, description="One opportunity, by id or number.")
    opportunities = list_field(
        crm_models.Opportunity,
        crm.Opportunity,
        crm.OpportunityFilter,
        crm.OpportunityOrderBy,
        description="Sales opportunities, by id.",
    )
    ticket = get_field(crm_models.Ticket, crm.Ticket, description="One support ticket, by id or number.")
    tickets = list_field(
        crm_models.Ticket, crm.Ticket, crm.TicketFilter, crm.TicketOrderBy, description="Support tickets, by id."
    )
    department = get_field(hr_models.Department, hr.Department, description="One department, by id or code.")
    departments = list_field(
        hr_models.Department, hr.Department, hr.DepartmentFilter, hr.DepartmentOrderBy, description="Departments."
    )
    employee = get_field(hr_models.Employee, hr.Employee, description="One employee, by id or email.")
    employees = list_field(
        hr_models.Employee, hr.Employee, hr.EmployeeFilter, hr.EmployeeOrderBy, description="Employees, by id."
    )
    product = get_field(inventory_models.Product, inventory.Product, description="One product, by id or SKU.")
    products = list_field(
        inventory_models.Product,
        inventory.Product,
        inventory.ProductFilter,
        inventory.ProductOrderBy,
        description="Products, by id.",
    )
    warehouse = get_field(inventory_models.Warehouse, inventory.Warehouse, description="One warehouse, by id or code.")
    warehouses = list_field(
        inventory_models.Warehouse,
        inventory.Warehouse,
        inventory.WarehouseFilter,
        inventory.WarehouseOrderBy,
        description="Warehouses, by id.",
    )
    stock_move = get_field(inventory_models.StockMove, inventory.StockMove, description="One stock move, by id.")
    stock_moves = list_field(
        inventory_models.StockMove,
        inventory.StockMove,
        inventory.StockMoveFilter,
        inventory.StockMoveOrderBy,
        description="The stock ledger, newest first.",
        default_order=NEWEST_STOCK_MOVES,
    )
    supplier = get_field(purchasing_models.Supplier, purchasing.Supplier, description="One supplier, by id or code.")
    suppliers = list_field(
        purchasing_models.Supplier,
        purchasing.Supplier,
        purchasing.SupplierFilter,
        purchasing.SupplierOrderBy,
        description="Suppliers, by id.",
    )
    purchase_order = get_field(
        purchasing_models.PurchaseOrder, purchasing.PurchaseOrder, description="One purchase order, by id or number."
    )
    purchase_orders = list_field(
        purchasing_models.PurchaseOrder,
        purchasing.PurchaseOrder,
        purchasing.PurchaseOrderFilter,
        purchasing.PurchaseOrderOrderBy,
        description="Purchase orders, by id.",
    )
    purchase_order_line = get_field(
        purchasing_models.PurchaseOrderLine,
        purchasing.PurchaseOrderLine,
        description="One purchase order line, by id or by order number and line number.",
    )
    purchase_order_lines = list_field(
        purchasing_models.PurchaseOrderLine,
        purchasing.PurchaseOrderLine,
        purchasing.PurchaseOrderLineFilter,
        purchasing.PurchaseOrderLineOrderBy,
        description="Purchase order lines across all orders, by id.",
    )
    sales_order = get_field(sales_models.SalesOrder, sales.SalesOrder, description="One sales order, by id or number.")
    sales_orders = list_field(
        sales_models.SalesOrder,
        sales.SalesOrder,
        sales.SalesOrderFilter,
        sales.SalesOrderOrderBy,
        description="Sales orders, by id.",
    )
    sales_order_line = get_field(
        sales_models.SalesOrderLine,
        sales.SalesOrderLine,
        description="One sales order line, by id or by order number and line number.",
    )
    sales_order_lines = list_field(
        sales_models.SalesOrderLine,
        sales.SalesOrderLine,
        sales.SalesOrderLineFilter,
        sales.SalesOrderLineOrderBy,
        description="Sales order lines across all orders, by id.",
    )
    invoice = get_field(finance_models.Invoice, finance.Invoice, description="One invoice, by id or number.")
    invoices = list_field(
        finance_models.Invoice,
        finance.Invoice,
        finance.InvoiceFilter,
        finance.InvoiceOrderBy,
        description="Invoices, by id.",
    )
    invoice_line = get_field(
        finance_models.InvoiceLine,
        finance.InvoiceLine,
        description="One invoice line, by id or by invoice number and line number.",
    )
    invoice_lines = list_field(
        finance_models.InvoiceLine,
        finance.InvoiceLine,
        finance.InvoiceLineFilter,
        finance.InvoiceLineOrderBy,
        description="Invoice lines across all invoices, by id.",
    )
    payment = get_field(finance_models.Payment, finance.Payment, description="One payment, by id.")
    payments = list_field(
        finance_models.Payment,
        finance.Payment,
        finance.PaymentFilter,
        finance.PaymentOrderBy,
        description="Payments in and out, by id.",
    )
    account = get_field(finance_models.Account, finance.Account, description="One account, by id or code.")
    accounts = list_field(
        finance_models.Account,
        finance.Account,
        finance.AccountFilter,
        finance.AccountOrderBy,
        description="The chart of accounts, by code.",
        default_order=ACCOUNTS_BY_CODE,
    )
    journal_entry = get_field(
        finance_models.JournalEntry, finance.JournalEntry, description="One journal entry, by id or number."
    )
    journal_entries = list_field(
        finance_models.JournalEntry,
        finance.JournalEntry,
        finance.JournalEntryFilter,
        finance.JournalEntryOrderBy,
        description="The journal, newest first.",
        default_order=NEWEST_JOURNAL_ENTRIES,
    )
    journal_lines = list_field(
        finance_models.JournalLine,
        finance.JournalLine,
        finance.JournalLineFilter,
        finance.JournalLineOrderBy,
        description="Journal lines across all entries, by id.",
    )
    bill_of_materials = get_field(
        manufacturing_models.BillOfMaterials,
        manufacturing.BillOfMaterials,
        description="One bill of materials, by id or by its product's SKU.",
    )
    bills_of_materials = list_field(
        manufacturing_models.BillOfMaterials,
        manufacturing.BillOfMaterials,
        manufacturing.BillOfMaterialsFilter,
        manufacturing.BillOfMaterialsOrderBy,
        description="Bills of materials, by id.",
    )
    bom_lines = list_field(
        manufacturing_models.BomLine,
        manufacturing.BomLine,
        manufacturing.BomLineFilter,
        manufacturing.BomLineOrderBy,
        description="Bill-of-materials lines across all bills, by id.",
    )
    work_order = get_field(
        manufacturing_models.WorkOrder, manufacturing.WorkOrder, description="One work order, by id or number."
    )
    work_orders = list_field(
        manufacturing_models.WorkOrder,
        manufacturing.WorkOrder,
        manufacturing.WorkOrderFilter,
        manufacturing.WorkOrderOrderBy,
        description="Work orders, by id.",
    )
    user = get_field(system_models.User, system.User, description="One user, by id or email (admin only).")
    users = list_field(
        system_models.User, system.User, system.UserFilter, system.UserOrderBy, description="Users (admin only)."
    )
    audit_events = list_field(
        system_models.AuditEvent,
        system.AuditEvent,
        system.AuditEventFilter,
        system.AuditEventOrderBy,
        description="Every recorded change, newest first (admin only).",
        default_order=system.NEWEST_EVENTS,
    )

    import_batches = list_field(
        system_models.ImportBatch,
        system.ImportBatch,
        system.ImportBatchFilter,
        system.ImportBatchOrderBy,
        description="Applied imports and sheet syncs, newest first (admin only).",
        default_order=(SortKey(system_models.ImportBatch.__table__.c.id, descending=True),),
    )

    @strawberry.field(description="The user this request authenticated as.")
    async def me(self, info: strawberry.Info) -> system.User | None:
        actor = info.context.actor
        if actor.user_id is None:
            return None
        return await info.context.loaders.row(system_models.User.__table__.c.id).load(actor.user_id)


@strawberry.type(description="Every change goes through here, validated, with errors returned as values.")
class Mutation(WorkflowMutations, SheetMutations, SheetLinkMutations):
    create_customer = create_mutation(
        crm_models.Customer, crm.CreateCustomerInput, crm.CustomerPayload, description="Create a customer."
    )
    update_customer = update_mutation(
        crm_models.Customer, crm.UpdateCustomerInput, crm.CustomerPayload, description="Change a customer."
    )
    delete_customer = delete_mutation(
        crm_models.Customer, crm.CustomerPayload, description="Delete a customer nothing refers to any more."
    )
    create_contact = create_mutation(
        crm_models.Contact, crm.CreateContactInput, crm.ContactPayload, description="Add a contact to a customer."
    )
    update_contact = update_mutation(
        crm_models.Contact, crm.UpdateContactInput, crm.ContactPayload, description="Change a contact."
    )
    delete_contact = delete_mutation(crm_models.Contact, crm.ContactPayload, description="Delete a contact.")
    create_interaction = create_mutation(
        crm_models.Interaction,
        crm.CreateInteractionInput,
        crm.InteractionPayload,
        description="Log a call, email, meeting, purchase, support case or note.",
    )
    update_interaction = update_mutation(
        crm_models.Interaction,
        crm.UpdateInteractionInput,
        crm.InteractionPayload,
        description="Change an interaction.",
    )
    delete_interaction = delete_mutation(
        crm_models.Interaction, crm.InteractionPayload, description="Delete an interaction."
    )
    create_opportunity = create_mutation(
        crm_models.Opportunity,
        crm.CreateOpportunityInput,
        crm.OpportunityPayload,
        description="Open a sales opportunity.",
    )
    update_opportunity = update_mutation(
        crm_models.Opportunity,
        crm.UpdateOpportunityInput,
        crm.OpportunityPayload,
        description="Change an opportunity; stage changes follow moveOpportunityStage's rules.",
    )
    delete_opportunity = delete_mutation(
        crm_models.Opportunity, crm.OpportunityPayload, description="Delete an opportunity."
    )
    create_ticket = create_mutation(
        crm_models.Ticket, crm.CreateTicketInput, crm.TicketPayload, description="Open a support ticket."
    )
    update_ticket = update_mutation(
        crm_models.Ticket,
        crm.UpdateTicketInput,
        crm.TicketPayload,
        description="Change a ticket; closing follows closeTicket's rules.",
    )
    delete_ticket = delete_mutation(crm_models.Ticket, crm.TicketPayload, description="Delete a ticket.")
    create_department = create_mutation(
        hr_models.Department, hr.CreateDepartmentInput, hr.DepartmentPayload, description="Create a department."
    )
    update_department = update_mutation(
        hr_models.Department, hr.UpdateDepartmentInput, hr.DepartmentPayload, description="Change a department."
    )
    delete_department = delete_mutation(
        hr_models.Department, hr.DepartmentPayload, description="Delete an empty department."
    )
    create_employee = create_mutation(
        hr_models.Employee, hr.CreateEmployeeInput, hr.EmployeePayload, description="Add an employee."
    )
    update_employee = update_mutation(
        hr_models.Employee, hr.UpdateEmployeeInput, hr.EmployeePayload, description="Change an employee."
    )
    delete_employee = delete_mutation(
        hr_models.Employee, hr.EmployeePayload, description="Delete an employee nothing refers to any more."
    )
    create_product = create_mutation(
        inventory_models.Product,
        inventory.CreateProductInput,
        inventory.ProductPayload,
        description="Create a product.",
    )
    update_product = update_mutation(
        inventory_models.Product,
        inventory.UpdateProductInput,
        inventory.ProductPayload,
        description="Change a product.",
    )
    delete_product = delete_mutation(
        inventory_models.Product, inventory.ProductPayload, description="Delete a product nothing refers to any more."
    )
    create_warehouse = create_mutation(
        inventory_models.Warehouse,
        inventory.CreateWarehouseInput,
        inventory.WarehousePayload,
        description="Create a warehouse.",
    )
    update_warehouse = update_mutation(
        inventory_models.Warehouse,
        inventory.UpdateWarehouseInput,
        inventory.WarehousePayload,
        description="Change a warehouse.",
    )
    delete_warehouse = delete_mutation(
        inventory_models.Warehouse,
        inventory.WarehousePayload,
        description="Delete a warehouse nothing refers to any more.",
    )
    create_stock_move = create_mutation(
        inventory_models.StockMove,
        inventory.CreateStockMoveInput,
        inventory.StockMovePayload,
        description="Record a stock adjustment or other movement of goods; it is never changed afterwards.",
    )
    create_supplier = create_mutation(
        purchasing_models.Supplier,
        purchasing.CreateSupplierInput,
        purchasing.SupplierPayload,
        description="Create a supplier.",
    )
    update_supplier = update_mutation(
        purchasing_models.Supplier,
        purchasing.UpdateSupplierInput,
        purchasing.SupplierPayload,
        description="Change a supplier.",
    )
    delete_supplier = delete_mutation(
        purchasing_models.Supplier,
        purchasing.SupplierPayload,
        description="Delete a supplier nothing refers to any more.",
    )
    create_purchase_order = create_mutation(
        purchasing_models.PurchaseOrder,
        purchasing.CreatePurchaseOrderInput,
        purchasing.PurchaseOrderPayload,
        description="Create a purchase order; its number is generated when omitted.",
    )
    update_purchase_order = update_mutation(
        purchasing_models.PurchaseOrder,
        purchasing.UpdatePurchaseOrderInput,
        purchasing.PurchaseOrderPayload,
        description="Change a purchase order.",
    )
    delete_purchase_order = delete_mutation(
        purchasing_models.PurchaseOrder,
        purchasing.PurchaseOrderPayload,
        description="Delete a purchase order without lines or payments.",
    )
    create_purchase_order_line = create_mutation(
        purchasing_models.PurchaseOrderLine,
        purchasing.CreatePurchaseOrderLineInput,
        purchasing.PurchaseOrderLinePayload,
        description="Add a line to a purchase order.",
    )
    update_purchase_order_line = update_mutation(
        purchasing_models.PurchaseOrderLine,
        purchasing.UpdatePurchaseOrderLineInput,
        purchasing.PurchaseOrderLinePayload,
        description="Change a purchase order line.",
    )
    delete_purchase_order_line = delete_mutation(
        purchasing_models.PurchaseOrderLine,
        purchasing.PurchaseOrderLinePayload,
        description="Delete a purchase order line.",
    )
    create_sales_order = create_mutation(
        sales_models.SalesOrder,
        sales.CreateSalesOrderInput,
        sales.SalesOrderPayload,
        description="Create a sales order; its number is generated when omitted.",
    )
    update_sales_order = update_mutation(
        sales_models.SalesOrder,
        sales.UpdateSalesOrderInput,
        sales.SalesOrderPayload,
        description="Change a sales order.",
    )
    delete_sales_order = delete_mutation(
        sales_models.SalesOrder, sales.SalesOrderPayload, description="Delete a sales order without lines or invoices."
    )
    create_sales_order_line = create_mutation(
        sales_models.SalesOrderLine,
        sales.CreateSalesOrderLineInput,
        sales.SalesOrderLinePayload,
        description="Add a line to a sales order.",
    )
    update_sales_order_line = update_mutation(
        sales_models.SalesOrderLine,
        sales.UpdateSalesOrderLineInput,
        sales.SalesOrderLinePayload,
        description="Change a sales order line.",
    )
    delete_sales_order_line = delete_mutation(
        sales_models.SalesOrderLine, sales.SalesOrderLinePayload, description="Delete a sales order line."
    )
    create_invoice = create_mutation(
        finance_models.Invoice,
        finance.CreateInvoiceInput,
        finance.InvoicePayload,
        description="Create an invoice; its number is generated when omitted.",
    )
    update_invoice = update_mutation(
        finance_models.Invoice, finance.UpdateInvoiceInput, finance.InvoicePayload, description="Change an invoice."
    )
    delete_invoice = delete_mutation(
        finance_models.Invoice, finance.InvoicePayload, description="Delete an invoice without lines or payments."
    )
    create_invoice_line = create_mutation(
        finance_models.InvoiceLine,
        finance.CreateInvoiceLineInput,
        finance.InvoiceLinePayload,
        description="Add a line to an invoice.",
    )
    update_invoice_line = update_mutation(
        finance_models.InvoiceLine,
        finance.UpdateInvoiceLineInput,
        finance.InvoiceLinePayload,
        description="Change an invoice line.",
    )
    delete_invoice_line = delete_mutation(
        finance_models.InvoiceLine, finance.InvoiceLinePayload, description="Delete an invoice line."
    )
    create_payment = create_mutation(
        finance_models.Payment,
        finance.CreatePaymentInput,
        finance.PaymentPayload,
        description="Record a payment against an invoice (incoming) or a purchase order (outgoing).",
    )
    create_account = create_mutation(
        finance_models.Account,
        finance.CreateAccountInput,
        finance.AccountPayload,
        description="Add an account to the chart of accounts.",
    )
    update_account = update_mutation(
        finance_models.Account, finance.UpdateAccountInput, finance.AccountPayload, description="Change an account."
    )
    delete_account = delete_mutation(
        finance_models.Account, finance.AccountPayload, description="Delete an account no journal line uses."
    )
    create_bill_of_materials = create_mutation(
        manufacturing_models.BillOfMaterials,
        manufacturing.CreateBillOfMaterialsInput,
        manufacturing.BillOfMaterialsPayload,
        description="Create the bill of materials of a product.",
    )
    update_bill_of_materials = update_mutation(
        manufacturing_models.BillOfMaterials,
        manufacturing.UpdateBillOfMaterialsInput,
        manufacturing.BillOfMaterialsPayload,
        description="Change a bill of materials.",
    )
    delete_bill_of_materials = delete_mutation(
        manufacturing_models.BillOfMaterials,
        manufacturing.BillOfMaterialsPayload,
        description="Delete a bill of materials without lines.",
    )
    create_bom_line = create_mutation(
        manufacturing_models.BomLine,
        manufacturing.CreateBomLineInput,
        manufacturing.BomLinePayload,
        description="Add a component to a bill of materials.",
    )
    update_bom_line = update_mutation(
        manufacturing_models.BomLine,
        manufacturing.UpdateBomLineInput,
        manufacturing.BomLinePayload,
        description="Change a bill-of-materials line.",
    )
    delete_bom_line = delete_mutation(
        manufacturing_models.BomLine, manufacturing.BomLinePayload, description="Delete a bill-of-materials line."
    )
    create_work_order = create_mutation(
        manufacturing_models.WorkOrder,
        manufacturing.CreateWorkOrderInput,
        manufacturing.WorkOrderPayload,
        description="Create a work order; its number is generated when omitted.",
    )
    update_work_order = update_mutation(
        manufacturing_models.WorkOrder,
        manufacturing.UpdateWorkOrderInput,
        manufacturing.WorkOrderPayload,
        description="Change a work order.",
    )
    delete_work_order = delete_mutation(
        manufacturing_models.WorkOrder, manufacturing.WorkOrderPayload, description="Delete a work order."
    )

    @strawberry.mutation(description="Move an opportunity to another stage; WON and LOST are final.")
    async def move_opportunity_stage(
        self,
        info: strawberry.Info,
        id: Annotated[strawberry.ID, ID_ARGUMENT],
        stage: Annotated[OpportunityStage, strawberry.argument(description="The new stage.")],
        version: Annotated[int | None, VERSION] = None,
    ) -> crm.OpportunityPayload:
        actor = info.context.actor

        def operation(session: Session) -> crm_models.Opportunity:
            opportunity_id = parse_id(crm_models.Opportunity, id)
            return crm_operations.move_opportunity_stage(
                session, id=opportunity_id, stage=stage, actor=actor, version=version
            )

        return await run_mutation(info, crm.OpportunityPayload, operation, arguments={"id", "version", "stage"})

    @strawberry.mutation(description="Close a support ticket with its resolution.")
    async def close_ticket(
        self,
        info: strawberry.Info,
        id: Annotated[strawberry.ID, ID_ARGUMENT],
        resolution: Annotated[str, strawberry.argument(description="How the case was solved.")],
        version: Annotated[int | None, VERSION] = None,
    ) -> crm.TicketPayload:
        actor = info.context.actor

        def operation(session: Session) -> crm_models.Ticket:
            ticket_id = parse_id(crm_models.Ticket, id)
            return crm_operations.close_ticket(
                session, id=ticket_id, resolution=resolution, actor=actor, version=version
            )

        return await run_mutation(info, crm.TicketPayload, operation, arguments={"id", "version", "resolution"})

    @strawberry.mutation(description="Reopen a closed support ticket.")
    async def reopen_ticket(
        self,
        info: strawberry.Info,
        id: Annotated[strawberry.ID, ID_ARGUMENT],
        version: Annotated[int | None, VERSION] = None,
    ) -> crm.TicketPayload:
        actor = info.context.actor

        def operation(session: Session) -> crm_models.Ticket:
            ticket_id = parse_id(crm_models.Ticket, id)
            return crm_operations.reopen_ticket(session, id=ticket_id, actor=actor, version=version)

        return await run_mutation(info, crm.TicketPayload, operation)


#: Request limits: each breach is a GraphQL error before anything runs (README, "Limits").
MAX_QUERY_DEPTH = 12
MAX_ALIASES = 50
MAX_TOKENS = 5_000


def is_unexpected(error: GraphQLError) -> bool:
    """Hide the text of errors nobody meant to show (a database failure may name hosts or SQL)."""
    original = error.original_error
    return original is not None and not isinstance(original, ListError | GraphQLError)


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    extensions=[
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: QueryDepthLimiter(max_depth=MAX_QUERY_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: ParserCache(maxsize=256),  # the caches themselves are shared, keyed by maxsize
        lambda: ValidationCache(maxsize=256),
        lambda: MaskErrors(should_mask_error=is_unexpected, error_message="Unexpected error; it has been logged."),
    ],
)
