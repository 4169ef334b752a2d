//! The text of migration files: the target dialect renders a [`FileModel`] with its askama
//! templates (`templates/<dialect>/`), which hold every SQL keyword and the layout; the result is
//! tidied here the same way for every dialect.

use crate::model::ddl::FileModel;
use crate::model::ports::Dialect;

/// Renders one file in `dialect`.
pub fn render(dialect: &dyn Dialect, model: &FileModel) -> Result<String, askama::Error> {
    Ok(tidy(&dialect.render_migration(model)?))
}
/// Trims trailing spaces and collapses runs of blank lines that template control flow leaves.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 || out.is_empty() {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}
