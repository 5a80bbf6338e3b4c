//! Output formats (`-o json|jsonl|table|csv`) and the writer of records in them.
//!
//! Records are JSON values written to standard output as they arrive, except for `table`, which needs every row to
//! size its columns. Numbers are written as the service sent them (a sequence number above 2^53 stays exact). For
//! `table` and `csv`, nested objects become dotted columns (`metadata.sequence`), and lists are written as JSON.

use std::io::{IsTerminal as _, Write};

use serde_json::{Map, Value};

/// How records are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON array (pretty-printed for a single answer).
    Json,
    /// One JSON value per line.
    Jsonl,
    /// Aligned columns for reading.
    Table,
    /// Comma-separated values with a header row.
    Csv,
}

impl Format {
    /// The format's name, as `-o` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Table => "table",
            Format::Csv => "csv",
        }
    }

    /// The format records are written in when `-o` is not given: a table on a terminal, JSON lines otherwise.
    pub fn records_default(chosen: Option<Format>) -> Format {
        chosen.unwrap_or_else(|| {
            if std::io::stdout().is_terminal() {
                Format::Table
            } else {
                Format::Jsonl
            }
        })
    }

    /// The format a single answer (an operation's response) is written in when `-o` is not given: JSON.
    pub fn answer_default(chosen: Option<Format>) -> Format {
        chosen.unwrap_or(Format::Json)
    }
}

/// The widest a table cell is shown (longer values end in `…`).
const TABLE_CELL_WIDTH: usize = 60;

/// Writes records in one [`Format`].
pub struct RecordWriter<W: Write> {
    format: Format,
    out: W,
    written: usize,
    columns: Option<Vec<String>>,
    rows: Vec<Map<String, Value>>,
}

impl RecordWriter<std::io::Stdout> {
    /// A writer to standard output.
    pub fn stdout(format: Format) -> Self {
        Self::new(format, std::io::stdout())
    }
}

impl<W: Write> RecordWriter<W> {
    /// A writer to `out`.
    pub fn new(format: Format, out: W) -> Self {
        Self {
            format,
            out,
            written: 0,
            columns: None,
            rows: Vec::new(),
        }
    }

    /// Records written so far.
    pub fn count(&self) -> usize {
        self.written
    }

    /// Writes one record.
    pub fn write(&mut self, record: &Value) -> std::io::Result<()> {
        self.written += 1;
        match self.format {
            Format::Json => {
                let separator = if self.written == 1 { "[\n  " } else { ",\n  " };
                write!(self.out, "{separator}{}", compact(record))?;
                self.out.flush()
            }
            Format::Jsonl => {
                writeln!(self.out, "{}", compact(record))?;
                self.out.flush()
            }
            Format::Table => {
                self.rows.push(flatten(record));
                Ok(())
            }
            Format::Csv => {
                let row = flatten(record);
                let mut writer = csv::Writer::from_writer(Vec::new());
                let header = self.columns.is_none();
                let columns = self
                    .columns
                    .get_or_insert_with(|| row.keys().cloned().collect());
                if header {
                    writer
                        .write_record(columns.iter())
                        .map_err(std::io::Error::other)?;
                }
                writer
                    .write_record(columns.iter().map(|column| cell(row.get(column))))
                    .map_err(std::io::Error::other)?;
                let bytes = writer.into_inner().map_err(|e| e.into_error())?;
                self.out.write_all(&bytes)?;
                self.out.flush()
            }
        }
    }

    /// Ends the output (closes the JSON array, draws the table).
    pub fn finish(mut self) -> std::io::Result<()> {
        match self.format {
            Format::Json if self.written == 0 => writeln!(self.out, "[]")?,
            Format::Json => writeln!(self.out, "\n]")?,
            Format::Table => self.draw_table()?,
            Format::Jsonl | Format::Csv => {}
        }
        self.out.flush()
    }

    fn draw_table(&mut self) -> std::io::Result<()> {
        let mut columns: Vec<String> = Vec::new();
        for row in &self.rows {
            for key in row.keys() {
                if !columns.contains(key) {
                    columns.push(key.clone());
                }
            }
        }
        if columns.is_empty() {
            return Ok(());
        }
        let cells: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| {
                columns
                    .iter()
                    .map(|column| clip(&cell(row.get(column))))
                    .collect()
            })
            .collect();
        let widths: Vec<usize> = columns
            .iter()
            .enumerate()
            .map(|(i, column)| {
                cells
                    .iter()
                    .map(|row| row[i].chars().count())
                    .chain([column.chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String]| {
            let padded: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|(cell, width)| format!("{cell:<width$}"))
                .collect();
            padded.join("  ").trim_end().to_string()
        };
        writeln!(self.out, "{}", line(&columns))?;
        for row in &cells {
            writeln!(self.out, "{}", line(row))?;
        }
        Ok(())
    }
}

/// Writes `records` as CSV with a header of every key any record has (nested keys dotted), in order of first
/// appearance: for a whole set at once, where [`RecordWriter`] streams with the first record's columns.
pub fn write_csv(records: &[Value], out: &mut impl Write) -> std::io::Result<()> {
    let rows: Vec<Map<String, Value>> = records.iter().map(flatten).collect();
    let mut columns: Vec<&String> = Vec::new();
    for row in &rows {
        for key in row.keys() {
            if !columns.contains(&key) {
                columns.push(key);
            }
        }
    }
    let mut writer = csv::Writer::from_writer(out);
    if !columns.is_empty() {
        writer
            .write_record(&columns)
            .map_err(std::io::Error::other)?;
    }
    for row in &rows {
        writer
            .write_record(columns.iter().map(|column| cell(row.get(*column))))
            .map_err(std::io::Error::other)?;
    }
    writer.flush()
}

/// Writes one answer (an operation's response): pretty JSON, one line of JSON, or its records as a table or CSV
/// (the answer itself when it is a list, the list when it is an object with exactly one list member, otherwise the
/// answer as one row).
pub fn write_answer(format: Format, answer: &Value) -> std::io::Result<()> {
    let mut out = std::io::stdout();
    match format {
        Format::Json => {
            let text = serde_json::to_string_pretty(answer).map_err(std::io::Error::other)?;
            writeln!(out, "{text}")?;
            out.flush()
        }
        Format::Jsonl => {
            writeln!(out, "{}", compact(answer))?;
            out.flush()
        }
        Format::Table | Format::Csv => {
            let mut writer = RecordWriter::new(format, out);
            for record in records_of(answer) {
                writer.write(record)?;
            }
            writer.finish()
        }
    }
}

fn records_of(answer: &Value) -> Vec<&Value> {
    match answer {
        Value::Array(items) => items.iter().collect(),
        Value::Object(members) => {
            let lists: Vec<&Vec<Value>> = members.values().filter_map(Value::as_array).collect();
            match lists.as_slice() {
                [only] => only.iter().collect(),
                _ => vec![answer],
            }
        }
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// A record as one level of columns: nested objects become dotted names; anything that is not an object is the
/// single column `value`.
fn flatten(record: &Value) -> Map<String, Value> {
    fn walk(prefix: &str, value: &Value, into: &mut Map<String, Value>) {
        match value {
            Value::Object(members) => {
                for (key, member) in members {
                    let name = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}.{key}")
                    };
                    walk(&name, member, into);
                }
            }
            other => {
                into.insert(prefix.to_string(), other.clone());
            }
        }
    }
    let mut row = Map::new();
    match record {
        Value::Object(_) => walk("", record, &mut row),
        other => {
            row.insert("value".into(), other.clone());
        }
    }
    row
}

fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => compact(other),
    }
}

fn clip(text: &str) -> String {
    let one_line = text.replace(['\n', '\r', '\t'], " ");
    match one_line.char_indices().nth(TABLE_CELL_WIDTH) {
        Some((end, _)) => format!("{}…", &one_line[..end]),
        None => one_line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn written(format: Format, records: &[Value]) -> String {
        let mut out = Vec::new();
        let mut writer = RecordWriter::new(format, &mut out);
        for record in records {
            writer.write(record).expect("writes");
        }
        writer.finish().expect("finishes");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn large_sequence_numbers_stay_exact_in_every_format() {
        let record = json!({"metadata": {"sequence": 9_007_199_254_740_993i64}, "@raw": "x"});
        for format in [Format::Json, Format::Jsonl, Format::Table, Format::Csv] {
            let text = written(format, std::slice::from_ref(&record));
            assert!(text.contains("9007199254740993"), "{format:?}: {text}");
        }
    }

    #[test]
    fn table_and_csv_use_dotted_columns() {
        let records = [
            json!({"a": 1, "b": {"c": "x,y"}}),
            json!({"a": 2, "b": {"c": "z"}}),
        ];
        assert_eq!(written(Format::Csv, &records), "a,b.c\n1,\"x,y\"\n2,z\n");
        assert_eq!(written(Format::Table, &records), "a  b.c\n1  x,y\n2  z\n");
        assert_eq!(written(Format::Json, &[]), "[]\n");
    }
}
