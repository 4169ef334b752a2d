//! A well-formedness check of dbsub's XML output (the SVG pictures, and the HTML page, which is
//! written to be well-formed XML too), with quick-xml.

use quick_xml::events::Event;
use quick_xml::reader::Reader;

/// What a well-formed document holds, for assertions.
#[derive(Debug, Default)]
pub struct Xml {
    /// Element names in document order.
    pub elements: Vec<String>,
    /// The text of every `<title>` element, references resolved.
    pub titles: Vec<String>,
}

impl Xml {
    pub fn count(&self, element: &str) -> usize {
        self.elements.iter().filter(|e| *e == element).count()
    }
}

/// Parses `text`; panics naming the byte offset and the problem unless it is well formed: one
/// root element, every tag closed in order, attributes unique and their values and the text
/// free of unknown references, nothing but white space outside the root.
pub fn parse(text: &str) -> Xml {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut xml = Xml::default();
    let mut open: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut title: Option<String> = None;
    loop {
        let at = reader.buffer_position();
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well-formed XML at byte {at}: {e}"));
        let fail = |what: String| -> ! { panic!("not well-formed XML at byte {at}: {what}") };
        match event {
            Event::Start(e) | Event::Empty(e) if open.is_empty() && roots > 0 => {
                fail(format!("a second root element <{}>", name(&e.name())))
            }
            Event::Start(e) => {
                check_attributes(&e).unwrap_or_else(|m| fail(m));
                let n = name(&e.name());
                if open.is_empty() {
                    roots += 1;
                }
                if n == "title" {
                    title = Some(String::new());
                }
                xml.elements.push(n.clone());
                open.push(n);
            }
            Event::Empty(e) => {
                check_attributes(&e).unwrap_or_else(|m| fail(m));
                if open.is_empty() {
                    roots += 1;
                }
                xml.elements.push(name(&e.name()));
            }
            Event::End(e) => {
                let n = name(&e.name());
                if open.pop().as_deref() != Some(n.as_str()) {
                    fail(format!("</{n}> closes nothing open"));
                }
                if n == "title" {
                    xml.titles.extend(title.take());
                }
            }
            Event::Text(e) => {
                let content = e.xml10_content();
                if open.is_empty() && !content.trim().is_empty() {
                    fail(format!("text outside the root: {content:?}"));
                }
                if let Some(t) = title.as_mut() {
                    t.push_str(&content);
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c,
                    Ok(None) => match &*r.into_inner() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => fail(format!("unknown entity &{other};")),
                    },
                    Err(e) => fail(format!("bad character reference: {e}")),
                };
                if open.is_empty() {
                    fail("a reference outside the root".into());
                }
                if let Some(t) = title.as_mut() {
                    t.push(resolved);
                }
            }
            Event::Eof => break,
            Event::CData(_) | Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            Event::DocType(_) => {}
        }
    }
    assert!(open.is_empty(), "not well-formed XML: unclosed {open:?}");
    assert_eq!(roots, 1, "not well-formed XML: no root element");
    xml
}

fn name(qname: &quick_xml::name::QName) -> String {
    String::from_utf8_lossy(qname.as_ref().as_bytes()).into_owned()
}

fn check_attributes(e: &quick_xml::events::BytesStart) -> Result<(), String> {
    for attr in e.attributes().with_checks(true) {
        let attr = attr.map_err(|err| format!("bad attribute: {err}"))?;
        attr.normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|err| format!("bad attribute value: {err}"))?;
    }
    Ok(())
}
