//! The prepared inserts of SEEDLOT and its child tables, with their column lists.

use anyhow::Result;
use rusqlite::Transaction;

use super::rows::Insert;

/// All prepared inserts used while loading seedlots.
pub(super) struct SeedlotInserts<'c> {
    pub(super) seedlot: Insert<'c>,
    pub(super) owner: Insert<'c>,
    pub(super) worth: Insert<'c>,
    pub(super) method: Insert<'c>,
    pub(super) orchard: Insert<'c>,
    pub(super) zone: Insert<'c>,
    pub(super) tree: Insert<'c>,
    pub(super) tree_quality: Insert<'c>,
    pub(super) smp: Insert<'c>,
    pub(super) test: Insert<'c>,
    pub(super) request: Insert<'c>,
    pub(super) shipment: Insert<'c>,
    pub(super) attachment: Insert<'c>,
}

/// The audit columns that end most rows.
const AUDIT_COLS: [&str; 5] = [
    "ENTRY_USERID",
    "ENTRY_TIMESTAMP",
    "UPDATE_USERID",
    "UPDATE_TIMESTAMP",
    "REVISION_COUNT",
];

/// `cols` followed by the audit columns.
fn with_audit(cols: &[&'static str]) -> Vec<&'static str> {
    let mut v = cols.to_vec();
    v.extend_from_slice(&AUDIT_COLS);
    v
}

/// Columns of a SEEDLOT row, in insert order, before the audit columns.
const SEEDLOT_COLUMNS: [&str; 28] = [
    "SEEDLOT_NUMBER",
    "SEEDLOT_STATUS_CODE",
    "VEGETATION_CODE",
    "GENETIC_CLASS_CODE",
    "SEEDLOT_SOURCE_CODE",
    "TO_BE_REGISTRD_IND",
    "BC_SOURCE_IND",
    "APPLICANT_CLIENT_NUMBER",
    "APPLICANT_LOCN_CODE",
    "APPLICANT_EMAIL_ADDRESS",
    "COLLECTION_CLI_NUMBER",
    "COLLECTION_CLI_LOCN_CD",
    "COLLECTION_START_DATE",
    "COLLECTION_END_DATE",
    "NO_OF_CONTAINERS",
    "VOL_PER_CONTAINER",
    "CLCTN_VOLUME",
    "COLLECTION_ELEVATION",
    "COLLECTION_LATITUDE",
    "COLLECTION_LONGITUDE",
    "ORCHARD_ID",
    "TOTAL_PARENT_TREES",
    "EFFECTIVE_POP_SIZE",
    "SMP_SUCCESS_PCT",
    "BIOTECH_PROCESSES_IND",
    "SEEDLOT_COMMENT",
    "DECLARED_DATE",
    "APPROVED_TIMESTAMP",
];

/// Columns of a SEEDLOT_OWNER_QUANTITY row, in insert order, before the audit columns.
const OWNER_COLUMNS: [&str; 9] = [
    "SEEDLOT_NUMBER",
    "OWNER_CLIENT_NUMBER",
    "OWNER_LOCN_CODE",
    "ORIGINAL_PCT_OWNED",
    "ORIGINAL_PCT_RSRVD",
    "ORIGINAL_PCT_SRPLS",
    "METHOD_OF_PAYMENT_CODE",
    "FUNDING_SOURCE_CODE",
    "QTY_RESERVED_KG",
];

/// Columns of a SEEDLOT_GENETIC_WORTH row, in insert order, before the audit columns.
const WORTH_COLUMNS: [&str; 5] = [
    "SEEDLOT_NUMBER",
    "GENETIC_WORTH_CODE",
    "GENETIC_QUALITY_VALUE",
    "TESTED_PARENT_TREE_CONT_PCT",
    "ESTIMATED_IND",
];

/// Columns of a SEEDLOT_COLLECTION_METHOD row, in insert order.
const METHOD_COLUMNS: [&str; 4] = [
    "SEEDLOT_NUMBER",
    "CONE_COLLECTION_METHOD_CODE",
    "ENTRY_USERID",
    "ENTRY_TIMESTAMP",
];

/// Columns of a SEEDLOT_ORCHARD row, in insert order.
const SEEDLOT_ORCHARD_COLUMNS: [&str; 5] = [
    "SEEDLOT_NUMBER",
    "ORCHARD_ID",
    "PRIMARY_IND",
    "ENTRY_USERID",
    "ENTRY_TIMESTAMP",
];

/// Columns of a SEEDLOT_SEED_PLAN_ZONE row, in insert order.
const ZONE_COLUMNS: [&str; 6] = [
    "SEEDLOT_NUMBER",
    "SEED_PLAN_ZONE_CODE",
    "GENETIC_CLASS_CODE",
    "PRIMARY_IND",
    "ENTRY_USERID",
    "ENTRY_TIMESTAMP",
];

/// Columns of a SEEDLOT_PARENT_TREE row, in insert order, before the audit columns.
const SEEDLOT_TREE_COLUMNS: [&str; 6] = [
    "SEEDLOT_NUMBER",
    "PARENT_TREE_ID",
    "CONE_COUNT",
    "POLLEN_COUNT",
    "SMP_SUCCESS_PCT",
    "NON_ORCHARD_POLLEN_CONTAM_PCT",
];

/// Columns of a SEEDLOT_PARENT_TREE_GEN_QLTY row, in insert order, before the audit columns.
const SEEDLOT_TREE_QUALITY_COLUMNS: [&str; 5] = [
    "SEEDLOT_NUMBER",
    "PARENT_TREE_ID",
    "GENETIC_WORTH_CODE",
    "GENETIC_QUALITY_VALUE",
    "ESTIMATED_IND",
];

/// Columns of a SMP_MIX row, in insert order, before the audit columns.
const SMP_MIX_COLUMNS: [&str; 4] = [
    "SEEDLOT_NUMBER",
    "PARENT_TREE_ID",
    "AMOUNT_OF_MATERIAL",
    "PROPORTION",
];

/// Columns of a SEEDLOT_TEST_RESULT row, in insert order.
const TEST_RESULT_COLUMNS: [&str; 9] = [
    "SEEDLOT_NUMBER",
    "TEST_CATEGORY_CODE",
    "TEST_DATE",
    "GERMINATION_PCT",
    "MOISTURE_PCT",
    "PURITY_PCT",
    "SEEDS_PER_GRAM",
    "TESTED_BY",
    "TEST_COMMENT",
];

/// Columns of a SOWING_REQUEST row, in insert order, before the audit columns.
const REQUEST_COLUMNS: [&str; 10] = [
    "SOWING_REQUEST_ID",
    "SEEDLOT_NUMBER",
    "REQUEST_STATUS_CODE",
    "REQUESTOR_CLIENT_NUMBER",
    "REQUESTOR_LOCN_CODE",
    "SOWING_YEAR",
    "SEEDLINGS_REQUESTED",
    "SEED_KG_REQUESTED",
    "REQUEST_DATE",
    "REQUEST_COMMENT",
];

/// Columns of a NURSERY_SHIPMENT row, in insert order.
const SHIPMENT_COLUMNS: [&str; 9] = [
    "SHIPMENT_ID",
    "SOWING_REQUEST_ID",
    "SHIP_DATE",
    "SEEDLINGS_SHIPPED",
    "CARRIER_NAME",
    "TRACKING_NUMBER",
    "RECEIVED_IND",
    "ENTRY_USERID",
    "ENTRY_TIMESTAMP",
];

/// Columns of a SEEDLOT_ATTACHMENT row, in insert order.
const ATTACHMENT_COLUMNS: [&str; 8] = [
    "ATTACHMENT_ID",
    "SEEDLOT_NUMBER",
    "FILE_NAME",
    "MIME_TYPE",
    "FILE_SIZE",
    "CONTENT",
    "ENTRY_USERID",
    "ENTRY_TIMESTAMP",
];

impl<'c> SeedlotInserts<'c> {
    /// Prepares the insert of every seedlot table.
    pub(super) fn new(tx: &'c Transaction<'_>) -> Result<Self> {
        Ok(SeedlotInserts {
            seedlot: Insert::new(tx, "SEEDLOT", &with_audit(&SEEDLOT_COLUMNS))?,
            owner: Insert::new(tx, "SEEDLOT_OWNER_QUANTITY", &with_audit(&OWNER_COLUMNS))?,
            worth: Insert::new(tx, "SEEDLOT_GENETIC_WORTH", &with_audit(&WORTH_COLUMNS))?,
            method: Insert::new(tx, "SEEDLOT_COLLECTION_METHOD", &METHOD_COLUMNS)?,
            orchard: Insert::new(tx, "SEEDLOT_ORCHARD", &SEEDLOT_ORCHARD_COLUMNS)?,
            zone: Insert::new(tx, "SEEDLOT_SEED_PLAN_ZONE", &ZONE_COLUMNS)?,
            tree: Insert::new(
                tx,
                "SEEDLOT_PARENT_TREE",
                &with_audit(&SEEDLOT_TREE_COLUMNS),
            )?,
            tree_quality: Insert::new(
                tx,
                "SEEDLOT_PARENT_TREE_GEN_QLTY",
                &with_audit(&SEEDLOT_TREE_QUALITY_COLUMNS),
            )?,
            smp: Insert::new(tx, "SMP_MIX", &with_audit(&SMP_MIX_COLUMNS))?,
            test: Insert::new(tx, "SEEDLOT_TEST_RESULT", &TEST_RESULT_COLUMNS)?,
            request: Insert::new(tx, "SOWING_REQUEST", &with_audit(&REQUEST_COLUMNS))?,
            shipment: Insert::new(tx, "NURSERY_SHIPMENT", &SHIPMENT_COLUMNS)?,
            attachment: Insert::new(tx, "SEEDLOT_ATTACHMENT", &ATTACHMENT_COLUMNS)?,
        })
    }
}
