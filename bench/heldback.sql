-- The held-back schema of bench/heldback.sh: a logistics / order-management database, shaped like
-- a real one and unlike dbsub's demo (which the code was tuned on). One text for SQLite and
-- PostgreSQL: bench/heldback.sh replaces the marker "--CYCLE" with customer's foreign key to
-- address for SQLite; PostgreSQL gets it by ALTER TABLE after the load (customer and address
-- reference each other).
CREATE TABLE country (
    code CHAR(2) NOT NULL,
    name VARCHAR(80) NOT NULL,
    currency CHAR(3) NOT NULL,
    CONSTRAINT country_pk PRIMARY KEY (code)
);
CREATE TABLE region (
    country_code CHAR(2) NOT NULL,
    region_code VARCHAR(6) NOT NULL,
    name VARCHAR(80) NOT NULL,
    CONSTRAINT region_pk PRIMARY KEY (country_code, region_code),
    CONSTRAINT region_country_fk FOREIGN KEY (country_code) REFERENCES country (code)
);
CREATE TABLE customer (
    customer_no VARCHAR(12) NOT NULL,
    name VARCHAR(200) NOT NULL,
    email VARCHAR(200),
    country_code CHAR(2) NOT NULL,
    default_address_id INTEGER,
    credit_limit NUMERIC(12, 2),
    created_at TIMESTAMP NOT NULL,
    notes TEXT,
    CONSTRAINT customer_pk PRIMARY KEY (customer_no),
    CONSTRAINT customer_country_fk FOREIGN KEY (country_code) REFERENCES country (code)
    --CYCLE
);
CREATE TABLE address (
    id INTEGER NOT NULL,
    customer_no VARCHAR(12) NOT NULL,
    street VARCHAR(200) NOT NULL,
    city VARCHAR(100) NOT NULL,
    postcode VARCHAR(12),
    country_code CHAR(2) NOT NULL,
    region_code VARCHAR(6),
    CONSTRAINT address_pk PRIMARY KEY (id),
    CONSTRAINT address_customer_fk FOREIGN KEY (customer_no) REFERENCES customer (customer_no),
    CONSTRAINT address_region_fk FOREIGN KEY (country_code, region_code)
        REFERENCES region (country_code, region_code)
);
CREATE TABLE warehouse (
    id INTEGER NOT NULL,
    name VARCHAR(100) NOT NULL,
    country_code CHAR(2) NOT NULL,
    region_code VARCHAR(6) NOT NULL,
    CONSTRAINT warehouse_pk PRIMARY KEY (id),
    CONSTRAINT warehouse_region_fk FOREIGN KEY (country_code, region_code)
        REFERENCES region (country_code, region_code)
);
CREATE TABLE supplier (
    id INTEGER NOT NULL,
    name VARCHAR(200) NOT NULL,
    country_code CHAR(2) NOT NULL,
    CONSTRAINT supplier_pk PRIMARY KEY (id),
    CONSTRAINT supplier_country_fk FOREIGN KEY (country_code) REFERENCES country (code)
);
CREATE TABLE category (
    id INTEGER NOT NULL,
    parent_id INTEGER,
    name VARCHAR(100) NOT NULL,
    CONSTRAINT category_pk PRIMARY KEY (id),
    CONSTRAINT category_parent_fk FOREIGN KEY (parent_id) REFERENCES category (id)
);
CREATE TABLE product (
    id INTEGER NOT NULL,
    sku VARCHAR(20) NOT NULL,
    name VARCHAR(200) NOT NULL,
    category_id INTEGER NOT NULL,
    supplier_id INTEGER,
    unit_price NUMERIC(12, 2) NOT NULL,
    weight_kg DOUBLE PRECISION,
    description TEXT,
    CONSTRAINT product_pk PRIMARY KEY (id),
    CONSTRAINT product_sku_uk UNIQUE (sku),
    CONSTRAINT product_category_fk FOREIGN KEY (category_id) REFERENCES category (id),
    CONSTRAINT product_supplier_fk FOREIGN KEY (supplier_id) REFERENCES supplier (id)
);
CREATE TABLE invoice (
    id INTEGER NOT NULL,
    customer_no VARCHAR(12) NOT NULL,
    billing_address_id INTEGER NOT NULL,
    shipping_address_id INTEGER,
    invoice_date DATE NOT NULL,
    due_date DATE NOT NULL,
    status VARCHAR(10) NOT NULL,
    currency CHAR(3) NOT NULL,
    total NUMERIC(12, 2) NOT NULL,
    notes TEXT,
    CONSTRAINT invoice_pk PRIMARY KEY (id),
    CONSTRAINT invoice_customer_fk FOREIGN KEY (customer_no) REFERENCES customer (customer_no),
    CONSTRAINT invoice_billing_fk FOREIGN KEY (billing_address_id) REFERENCES address (id),
    CONSTRAINT invoice_shipping_fk FOREIGN KEY (shipping_address_id) REFERENCES address (id)
);
CREATE TABLE invoice_line (
    invoice_id INTEGER NOT NULL,
    line_no INTEGER NOT NULL,
    product_id INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price NUMERIC(12, 2) NOT NULL,
    discount_pct NUMERIC(5, 2),
    CONSTRAINT invoice_line_pk PRIMARY KEY (invoice_id, line_no),
    CONSTRAINT invoice_line_invoice_fk FOREIGN KEY (invoice_id) REFERENCES invoice (id),
    CONSTRAINT invoice_line_product_fk FOREIGN KEY (product_id) REFERENCES product (id)
);
CREATE TABLE shipment (
    id INTEGER NOT NULL,
    invoice_id INTEGER NOT NULL,
    warehouse_id INTEGER NOT NULL,
    shipped_at TIMESTAMP NOT NULL,
    carrier VARCHAR(20) NOT NULL,
    tracking_no VARCHAR(40),
    CONSTRAINT shipment_pk PRIMARY KEY (id),
    CONSTRAINT shipment_invoice_fk FOREIGN KEY (invoice_id) REFERENCES invoice (id),
    CONSTRAINT shipment_warehouse_fk FOREIGN KEY (warehouse_id) REFERENCES warehouse (id)
);
CREATE TABLE shipment_item (
    shipment_id INTEGER NOT NULL,
    invoice_id INTEGER NOT NULL,
    line_no INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    CONSTRAINT shipment_item_pk PRIMARY KEY (shipment_id, invoice_id, line_no),
    CONSTRAINT shipment_item_shipment_fk FOREIGN KEY (shipment_id) REFERENCES shipment (id),
    CONSTRAINT shipment_item_line_fk FOREIGN KEY (invoice_id, line_no)
        REFERENCES invoice_line (invoice_id, line_no)
);
CREATE TABLE payment (
    id INTEGER NOT NULL,
    invoice_id INTEGER NOT NULL,
    paid_at TIMESTAMP NOT NULL,
    amount NUMERIC(12, 2) NOT NULL,
    method VARCHAR(12) NOT NULL,
    reference VARCHAR(40),
    CONSTRAINT payment_pk PRIMARY KEY (id),
    CONSTRAINT payment_invoice_fk FOREIGN KEY (invoice_id) REFERENCES invoice (id)
);
CREATE TABLE event_log (
    id INTEGER NOT NULL,
    entity VARCHAR(20) NOT NULL,
    entity_key VARCHAR(40) NOT NULL,
    happened_at TIMESTAMP NOT NULL,
    actor VARCHAR(40),
    payload TEXT,
    CONSTRAINT event_log_pk PRIMARY KEY (id)
);
