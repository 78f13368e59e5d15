//! The KPI tables and the jobs behind them as files people open in a spreadsheet: CSV (UTF-8
//! with a byte-order mark, so Excel reads Chinese) and XLSX (rust_xlsxwriter). Values are the
//! numbers themselves (percent, minutes, yuan), not the text the screens show.

use fixline_api::kpi::{KpiJobs, KpiTable};
use fixline_core::kpi::Kpi;
use rust_xlsxwriter::{Format, Workbook};

use crate::error::{Error, Result};

/// One cell of an export.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

impl From<Option<f64>> for Cell {
    fn from(v: Option<f64>) -> Cell {
        v.map_or(Cell::Empty, Cell::Number)
    }
}

/// A sheet: a header and rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

fn kpi_header(chinese: bool) -> impl Iterator<Item = String> {
    Kpi::ALL.into_iter().map(move |k| {
        let (zh, en) = k.names();
        (if chinese { zh } else { en }).to_owned()
    })
}

/// The dashboard's table: a row per slice, then the total and the previous period.
pub fn table_sheet(t: &KpiTable, chinese: bool) -> Sheet {
    let mut header = vec![
        t.by.as_str().to_owned(),
        (if chinese {
            "完成工单"
        } else {
            "Finished jobs"
        })
        .to_owned(),
    ];
    header.extend(kpi_header(chinese));
    let row = |label: &str, f: &fixline_core::kpi::Figures| {
        let mut r = vec![Cell::Text(label.to_owned()), Cell::Number(f.jobs as f64)];
        r.extend(Kpi::ALL.map(|k| Cell::from(k.value(f))));
        r
    };
    let mut rows: Vec<Vec<Cell>> = t.rows.iter().map(|r| row(&r.label, &r.figures)).collect();
    rows.push(row(if chinese { "合计" } else { "Total" }, &t.total));
    rows.push(row(
        if chinese {
            "上一周期"
        } else {
            "Previous period"
        },
        &t.previous,
    ));
    Sheet {
        name: format!("KPIs {} – {}", t.from, t.to),
        header,
        rows,
    }
}

/// The jobs behind a figure.
pub fn jobs_sheet(jobs: &KpiJobs, chinese: bool) -> Sheet {
    let names: [(&str, &str); 13] = [
        ("工单号", "Work order"),
        ("完成日", "Finished on"),
        ("工程师", "Engineer"),
        ("区域", "Region"),
        ("品类", "Category"),
        ("型号", "Model"),
        ("渠道", "Channel"),
        ("一次修复", "Fixed first time"),
        ("上门次数", "Visits"),
        ("解决时长（分钟）", "Resolution (minutes)"),
        ("解决达标", "Resolved on time"),
        ("满意度", "CSAT"),
        ("故障代码", "Fault code"),
    ];
    let text = |s: &str| Cell::Text(s.to_owned());
    let yes_no = |b: bool| text(if b { "1" } else { "0" });
    Sheet {
        name: (if chinese { "工单" } else { "Jobs" }).to_owned(),
        header: names
            .iter()
            .map(|(zh, en)| (if chinese { *zh } else { *en }).to_owned())
            .collect(),
        rows: jobs
            .jobs
            .iter()
            .map(|j| {
                vec![
                    text(&j.number),
                    text(&j.day.to_string()),
                    text(j.engineer_name.as_deref().unwrap_or("")),
                    text(&j.region),
                    text(&j.category),
                    text(j.model.as_deref().unwrap_or("")),
                    text(&j.channel),
                    yes_no(j.fixed_first_time),
                    Cell::Number(f64::from(j.visits)),
                    Cell::from(j.resolve_minutes),
                    j.resolved_on_time.map_or(Cell::Empty, yes_no),
                    j.csat.map_or(Cell::Empty, |c| Cell::Number(f64::from(c))),
                    text(j.fault_code.as_deref().unwrap_or("")),
                ]
            })
            .collect(),
    }
}

/// CSV with a byte-order mark.
pub fn csv(sheet: &Sheet) -> Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let failed = |e: csv::Error| Error::Internal(format!("csv: {e}"));
    out.write_record(&sheet.header).map_err(failed)?;
    for row in &sheet.rows {
        out.write_record(row.iter().map(|c| match c {
            Cell::Text(t) => t.clone(),
            Cell::Number(n) => format!("{n}"),
            Cell::Empty => String::new(),
        }))
        .map_err(failed)?;
    }
    out.into_inner()
        .map_err(|e| Error::Internal(format!("csv: {e}")))
}

/// One worksheet of an XLSX workbook, the header bold and frozen.
pub fn xlsx(sheet: &Sheet) -> Result<Vec<u8>> {
    let failed = |e: rust_xlsxwriter::XlsxError| Error::Internal(format!("xlsx: {e}"));
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    // A sheet name may not hold : \ / ? * [ ] and is at most 31 characters.
    let name: String = sheet
        .name
        .chars()
        .filter(|c| !matches!(c, ':' | '\\' | '/' | '?' | '*' | '[' | ']'))
        .take(31)
        .collect();
    ws.set_name(name).map_err(failed)?;
    let bold = Format::new().set_bold();
    for (col, h) in sheet.header.iter().enumerate() {
        ws.write_string_with_format(0, col as u16, h, &bold)
            .map_err(failed)?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (col, cell) in row.iter().enumerate() {
            let col = col as u16;
            match cell {
                Cell::Text(t) => ws.write_string(r, col, t).map(drop),
                Cell::Number(n) => ws.write_number(r, col, *n).map(drop),
                Cell::Empty => Ok(()),
            }
            .map_err(failed)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(failed)?;
    book.save_to_buffer().map_err(failed)
}
