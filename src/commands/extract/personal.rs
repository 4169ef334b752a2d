//! Extract's checks for personal data the classification misses ([`crate::mask::personal`]):
//! by column name when the plan is resolved, by a sample of the selected rows after the
//! closure — both before anything is written. A warning, or with `--strict` an error.

use anyhow::{Result, anyhow, bail};

use super::write::read_sample;
use crate::catalog::Column;
use crate::mask::personal::{
    self, ColumnSample, MAX_MASKED_DIGESTS, MaskedDigests, SAMPLE_ROWS, Suspect,
};
use crate::mask::{Masking, TableMasker};
use crate::model::mask::SourceMask;
use crate::model::ports::RowSource;
use crate::model::row::{ReadRequest, RowFilter};
use crate::model::value::Value;
use crate::output;
use crate::subset::Scope;
use crate::subset::closure::TableRows;

/// The classification lines that name nothing, and the unclassified columns whose names look
/// personal: warnings, or with `strict` an error before anything is read.
pub(super) fn check_names(scope: &Scope, masking: &Masking, strict: bool) -> Result<()> {
    let unknown = &masking.unknown;
    if strict && !unknown.is_empty() {
        bail!(
            "--strict: {} of the classification name no table or column of the source, so \
             the columns they meant would leave unmasked; fix the names:{}",
            output::plural(unknown.len(), "line"),
            listed(unknown.iter().map(String::as_str))
        );
    }
    super::report::warn_unknown(unknown);
    report(&personal::by_names(scope, masking), strict, "")
}

/// Samples the selected rows of each table (at most [`SAMPLE_ROWS`] values of each unclassified
/// text column; the replies of masked columns up to [`MAX_MASKED_DIGESTS`]) and reports the
/// columns whose values look like e-mail addresses or phone numbers, or equal masked values.
/// Masked columns are read masked, as the extract reads them.
pub(super) fn check_values(
    scope: &Scope,
    masking: &Masking,
    source: &mut dyn RowSource,
    rows: &[TableRows],
    strict: bool,
) -> Result<()> {
    let mut masked = MaskedDigests::default();
    let mut samples: Vec<(usize, &Column, ColumnSample)> = Vec::new();
    for (index, (st, selected)) in scope.tables.iter().zip(rows).enumerate() {
        let table = &st.table;
        let columns: Vec<&Column> = table
            .columns
            .iter()
            .filter(|c| c.generated.is_none())
            .collect();
        let masker = TableMasker::new(masking, index, table, &columns);
        let masks = masker.source_masks();
        let digests: Vec<(usize, String)> = (0..columns.len())
            .filter(|&j| matches!(masks.get(j), Some(Some(SourceMask::Digest))))
            .map(|j| {
                (
                    j,
                    format!("{}.{}", table.key().qualified_name(), columns[j].name),
                )
            })
            .collect();
        let unclassified = personal::unclassified(masking, index, table);
        let texts: Vec<usize> = (0..columns.len())
            .filter(|&j| {
                let c = columns[j];
                personal::is_text(c)
                    && personal::by_name(&c.name).is_none()
                    && unclassified.iter().any(|u| u.name == c.name)
            })
            .collect();
        if texts.is_empty() && (digests.is_empty() || masked.full()) {
            continue;
        }
        let first = samples.len();
        samples.extend(
            texts
                .iter()
                .map(|&j| (index, columns[j], ColumnSample::default())),
        );
        let limit = if digests.is_empty() {
            SAMPLE_ROWS
        } else {
            MAX_MASKED_DIGESTS
        };
        let (mut read, mut enough) = (0usize, false);
        let request = ReadRequest {
            table,
            columns: &columns,
            masks,
            order_by: &selected.identity,
            filter: RowFilter::All,
            skip: 0,
            limit: Some(limit as u64),
        };
        let result = read_sample(source, request, &selected.selection, &mut |values| {
            for (j, name) in &digests {
                if let Some(Value::Text(reply)) = values.get(*j) {
                    masked.add_reply(name, reply);
                }
            }
            for (k, &j) in texts.iter().enumerate() {
                if let Some(Value::Text(text)) = values.get(j) {
                    samples[first + k].2.add(text);
                }
            }
            read += 1;
            if read >= limit || (read >= SAMPLE_ROWS && masked.full()) {
                enough = true;
                return Err(anyhow!("sample complete"));
            }
            Ok(())
        });
        match result {
            Err(_) if enough => {}
            Err(e) => return Err(e.context(format!("cannot sample the rows of {}", table.key()))),
            Ok(()) => {}
        }
    }
    let suspects: Vec<Suspect> = samples
        .iter()
        .filter_map(|(i, column, sample)| sample.suspect(&scope.tables[*i].table, column, &masked))
        .collect();
    report(
        &suspects,
        strict,
        " (nothing was written: the rows were only sampled)",
    )
}

/// Warns of `suspects`, or with `strict` fails naming them.
fn report(suspects: &[Suspect], strict: bool, written: &str) -> Result<()> {
    if suspects.is_empty() {
        return Ok(());
    }
    let list = listed(
        suspects
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str),
    );
    let count = output::plural(suspects.len(), "unclassified column");
    let (looks, is) = if suspects.len() == 1 {
        ("looks", "is")
    } else {
        ("look", "are")
    };
    if strict {
        bail!(
            "--strict: {count} {looks} personal and would leave unmasked{written}; add the lines \
             to the classification (or classify a column Public to keep it as it is):{list}"
        );
    }
    output::warning(&format!(
        "{count} {looks} personal and {is} extracted unmasked; add the lines to the \
         classification (or classify a column Public to keep it as it is), or use --strict to \
         refuse:{list}"
    ));
    Ok(())
}

/// Items on their own lines, at most 20.
fn listed<'a>(items: impl ExactSizeIterator<Item = &'a str>) -> String {
    let total = items.len();
    let mut text: String = items.take(20).map(|i| format!("\n  {i}")).collect();
    if total > 20 {
        text.push_str(&format!("\n  … and {} more", total - 20));
    }
    text
}
