//! Moving the customer file in and out as CSV: which table, and what an import did.

use serde::{Deserialize, Serialize};

/// One of the customer file's tables, each its own CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FileTable {
    Customers,
    Sites,
    Assets,
}

impl FileTable {
    pub const ALL: [FileTable; 3] = [FileTable::Customers, FileTable::Sites, FileTable::Assets];

    pub fn name(self) -> &'static str {
        match self {
            FileTable::Customers => "customers",
            FileTable::Sites => "sites",
            FileTable::Assets => "assets",
        }
    }
}

/// What an import did with each row: created, already there as it was, or refused with why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub table: FileTable,
    /// Data rows read (the header not counted).
    pub rows: u32,
    pub created: u32,
    /// Rows whose id is on file with the same details; nothing changed.
    pub unchanged: u32,
    pub refused: Vec<RefusedRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefusedRow {
    /// The line in the file, counting the header as line 1, as a spreadsheet numbers it.
    pub line: u64,
    /// The column at fault, where one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// A stable code (`invalid`, `not_found`, `conflict`) for the UI to word.
    pub code: String,
    pub message: String,
}
