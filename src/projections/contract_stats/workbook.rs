//! The statistics report as an Excel workbook: numbers as numbers (fen exact as integers,
//! 万元 with two decimals), a totals row marked 合计, and a sheet of the report's parameters.
//! Likewise the registrar's queue.

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::query::{Cut, Line, Totals};
use super::ContractRow;

/// The number columns' titles, in the order of the CSV's columns.
const NUMBERS: [&str; 5] = [
    "笔数",
    "成交额（分）",
    "技术交易额（分）",
    "成交额（万元）",
    "技术交易额（万元）",
];

/// The report's lines and totals on a sheet named for the cut (合计 for a cut by nothing, whose
/// one row is the totals), and its parameters on another.
pub fn to_xlsx(
    cut: &Cut,
    lines: &[Line],
    totals: &Totals,
    parameters: &[(&str, String)],
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let name = if cut.by.is_empty() {
        "合计".to_string()
    } else {
        cut.by
            .iter()
            .map(|d| d.name())
            .collect::<Vec<_>>()
            .join("×")
    };
    cut_sheet(&mut book, &name, cut, lines, totals)?;
    parameters_sheet(&mut book, parameters)?;
    book.save_to_buffer()
}

/// One cut of a workbook: its title (the sheet's name), the cut, its lines and totals.
pub struct Sheet<'a> {
    pub title: &'a str,
    pub cut: &'a Cut,
    pub lines: &'a [Line],
    pub totals: &'a Totals,
}

/// Several cuts, a sheet each (the annual report's standard tables), and the parameters.
pub fn workbook(sheets: &[Sheet<'_>], parameters: &[(&str, String)]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    for s in sheets {
        cut_sheet(&mut book, s.title, s.cut, s.lines, s.totals)?;
    }
    parameters_sheet(&mut book, parameters)?;
    book.save_to_buffer()
}

fn cut_sheet(
    book: &mut Workbook,
    name: &str,
    cut: &Cut,
    lines: &[Line],
    totals: &Totals,
) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let wan = Format::new().set_num_format("#,##0.00");
    let whole = Format::new().set_num_format("#,##0");
    let sheet = book.add_worksheet();
    // Sheet names are at most 31 characters.
    sheet.set_name(name.chars().take(31).collect::<String>())?;
    let dims = cut.by.len() as u16;
    for (i, d) in cut.by.iter().enumerate() {
        sheet.write_string_with_format(0, i as u16, d.name(), &bold)?;
        sheet.set_column_width(i as u16, 16)?;
    }
    for (i, title) in NUMBERS.iter().enumerate() {
        let col = dims + i as u16;
        sheet.write_string_with_format(0, col, *title, &bold)?;
        sheet.set_column_width(col, 18)?;
    }
    let mut row = 1u32;
    let write = |sheet: &mut rust_xlsxwriter::Worksheet,
                 row: u32,
                 keys: &[String],
                 count: i64,
                 amount: i64,
                 tech: i64|
     -> Result<(), XlsxError> {
        for (i, k) in keys.iter().enumerate() {
            sheet.write_string(row, i as u16, k)?;
        }
        sheet.write_number_with_format(row, dims, count as f64, &whole)?;
        sheet.write_number_with_format(row, dims + 1, amount as f64, &whole)?;
        sheet.write_number_with_format(row, dims + 2, tech as f64, &whole)?;
        sheet.write_number_with_format(row, dims + 3, amount as f64 / 1_000_000.0, &wan)?;
        sheet.write_number_with_format(row, dims + 4, tech as f64 / 1_000_000.0, &wan)?;
        Ok(())
    };
    if !cut.by.is_empty() {
        for l in lines {
            write(
                sheet,
                row,
                &l.keys,
                l.count,
                l.contract_amount_fen,
                l.technology_amount_fen,
            )?;
            row += 1;
        }
    }
    let mut keys = vec![String::new(); cut.by.len()];
    if let Some(first) = keys.first_mut() {
        *first = "合计".into();
    }
    write(
        sheet,
        row,
        &keys,
        totals.count,
        totals.contract_amount_fen,
        totals.technology_amount_fen,
    )
}

fn parameters_sheet(book: &mut Workbook, parameters: &[(&str, String)]) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let about = book.add_worksheet();
    about.set_name("参数")?;
    about.set_column_width(0, 16)?;
    about.set_column_width(1, 40)?;
    for (i, (key, value)) in parameters.iter().enumerate() {
        about.write_string_with_format(i as u32, 0, *key, &bold)?;
        about.write_string(i as u32, 1, value)?;
    }
    Ok(())
}

/// The columns of the registrar's queue as a workbook.
const QUEUE_COLUMNS: [(&str, f64); 16] = [
    ("登记编号", 20.0),
    ("合同名称", 36.0),
    ("状态", 12.0),
    ("合同类型", 14.0),
    ("技术领域", 16.0),
    ("卖方", 28.0),
    ("买方", 28.0),
    ("签订日期", 12.0),
    ("登记日期", 12.0),
    ("办结期限", 12.0),
    ("逾期", 6.0),
    ("成交额（分）", 16.0),
    ("技术交易额（分）", 16.0),
    ("成交额（万元）", 16.0),
    ("技术交易额（万元）", 16.0),
    ("合同编号（系统）", 38.0),
];

/// The registrar's queue (as the lookup found it, in its order) on one sheet, amounts as they
/// stand after amendments, with the query on a second.
pub fn queue_to_xlsx(
    rows: &[ContractRow],
    today: NaiveDate,
    parameters: &[(&str, String)],
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let wan = Format::new().set_num_format("#,##0.00");
    let whole = Format::new().set_num_format("#,##0");
    let sheet = book.add_worksheet();
    sheet.set_name("登记队列")?;
    for (i, (title, width)) in QUEUE_COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, i as u16, *title, &bold)?;
        sheet.set_column_width(i as u16, *width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    for (n, r) in rows.iter().enumerate() {
        let row = n as u32 + 1;
        let c = &r.data;
        let (seller, buyer) = c.current_parties();
        let (amount, tech) = c.current_amounts();
        let t = &c.content.contract_type;
        let kind = match &t.subtype {
            Some(sub) => format!("{}/{sub}", t.contract_type),
            None => t.contract_type.clone(),
        };
        let texts = [
            c.registration_number.clone().unwrap_or_default(),
            c.content.title.as_str().to_string(),
            c.status.as_str().to_string(),
            kind,
            c.content.field.as_str().to_string(),
            seller.name.as_str().to_string(),
            buyer.name.as_str().to_string(),
            c.content.signing_date.to_string(),
            date(c.registered_on),
            date(c.due_on),
            if c.is_overdue_on(today) { "是" } else { "" }.to_string(),
        ];
        for (i, text) in texts.iter().enumerate() {
            sheet.write_string(row, i as u16, text)?;
        }
        sheet.write_number_with_format(row, 11, amount as f64, &whole)?;
        sheet.write_number_with_format(row, 12, tech as f64, &whole)?;
        sheet.write_number_with_format(row, 13, amount as f64 / 1_000_000.0, &wan)?;
        sheet.write_number_with_format(row, 14, tech as f64 / 1_000_000.0, &wan)?;
        sheet.write_string(row, 15, r.id.to_string())?;
    }
    parameters_sheet(&mut book, parameters)?;
    book.save_to_buffer()
}
