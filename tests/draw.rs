//! The pictures dbsub draws itself (`--format svg|html`): a small diagram with a cycle, a
//! broken edge, a self-reference and a masked table against golden files, and the marks found
//! again by parsing the output as XML.

mod common;

use common::{golden, xml};
use dbsub::graph::draw::{Diagram, Link, LinkKind, Node, Picture};

fn table(name: &str) -> Node {
    Node {
        kind: "TABLE".into(),
        schema: "S".into(),
        name: name.into(),
        ..Node::default()
    }
}

fn link(from: usize, to: usize, kind: LinkKind, broken: bool, label: &str) -> Link {
    Link {
        from,
        to,
        kind,
        broken,
        label: label.into(),
    }
}

/// ORDER_LINE (the seed) needs ORDERS (masked), which needs CUSTOMER and EMPLOYEE; CUSTOMER
/// and ADDRESS need each other (the load breaks ADDRESS → CUSTOMER); EMPLOYEE refers to
/// itself; a trigger and a view whose name needs escaping hang on.
fn small() -> Diagram {
    use LinkKind::*;
    Diagram {
        title: "Dependencies of S.ORDER_LINE <test> & co".into(),
        nodes: vec![
            Node {
                seed: true,
                rows: Some("12 rows".into()),
                ..table("ORDER_LINE")
            },
            Node {
                masked: vec!["EMAIL (pseudonym)".into(), "NOTE (constant)".into()],
                why: Some("parent via ORDER_LINE_FK of S.ORDER_LINE".into()),
                ..table("ORDERS")
            },
            table("CUSTOMER"),
            table("ADDRESS"),
            table("EMPLOYEE"),
            Node {
                kind: "TRIGGER".into(),
                ..table("ORDER_LINE_TRG")
            },
            Node {
                kind: "VIEW".into(),
                ..table("R&D \"<LAB>\"")
            },
        ],
        links: vec![
            link(0, 1, ForeignKey, false, "FK ORDER_LINE_FK: ORDER_ID"),
            link(1, 2, ForeignKey, false, "FK ORDERS_FK: CUSTOMER_ID"),
            link(
                2,
                3,
                NullableForeignKey,
                false,
                "FK CUSTOMER_FK: ADDRESS_ID (nullable)",
            ),
            link(3, 2, ForeignKey, true, "FK ADDRESS_FK: CUSTOMER_ID"),
            link(
                1,
                4,
                NullableForeignKey,
                false,
                "FK ORDERS_FK2: CLERK_ID (nullable)",
            ),
            link(
                4,
                4,
                NullableForeignKey,
                true,
                "FK EMPLOYEE_FK: MANAGER_ID (nullable)",
            ),
            link(5, 0, Dependency, false, "trigger on its table"),
            link(6, 1, Dependency, false, "dependency"),
        ],
        notes: vec![
            "not followed: S.ORDERS → S.REGION (ORDERS_REGION_FK): the parent is excluded".into(),
        ],
    }
}

#[test]
fn a_small_diagram_matches_its_golden_svg_and_html() {
    golden("draw-small.svg", &Picture::Svg.render(&small()));
    golden("draw-small.html", &Picture::Html.render(&small()));
}

#[test]
fn the_svg_is_well_formed_and_marks_seed_masked_cycles_and_broken_edges() {
    let svg = Picture::Svg.render(&small());
    let doc = xml::parse(&svg);
    assert_eq!(doc.elements[0], "svg");
    // One polyline per link, one group with a rectangle per object (plus the masked badge, the
    // background and the legend's three samples).
    assert_eq!(doc.count("polyline"), 8);
    assert_eq!(doc.count("rect"), 7 + 1 + 1 + 3 + 1);
    let title_of = |start: &str| -> &str {
        doc.titles
            .iter()
            .find(|t| t.starts_with(start))
            .unwrap_or_else(|| panic!("no title starts with {start:?}: {:#?}", doc.titles))
    };
    assert_eq!(doc.titles[0], "Dependencies of S.ORDER_LINE <test> & co");
    assert_eq!(
        title_of("TABLE S.ORDERS"),
        "TABLE S.ORDERS\nmasked\nmasked columns: EMAIL (pseudonym), NOTE (constant)\n\
         why: parent via ORDER_LINE_FK of S.ORDER_LINE"
    );
    assert_eq!(
        title_of("TABLE S.ORDER_LINE\n"),
        "TABLE S.ORDER_LINE\nseed\nrows: 12 rows"
    );
    for in_cycle in ["TABLE S.CUSTOMER", "TABLE S.ADDRESS", "TABLE S.EMPLOYEE"] {
        assert!(title_of(in_cycle).ends_with("\nin a cycle"), "{in_cycle}");
    }
    assert_eq!(title_of("VIEW S.R&D"), "VIEW S.R&D \"<LAB>\"");
    let broken: Vec<&String> = doc
        .titles
        .iter()
        .filter(|t| t.contains("broken to load the cycle"))
        .collect();
    assert_eq!(broken.len(), 2, "{broken:#?}");
    assert!(broken[0].starts_with("S.ADDRESS → S.CUSTOMER: FK ADDRESS_FK"));
    assert!(broken[1].starts_with("S.EMPLOYEE → S.EMPLOYEE: FK EMPLOYEE_FK"));
    // The masked table is hatched and badged; the others are not.
    assert_eq!(svg.matches("fill=\"url(#masked)\"").count(), 1 + 1);
    assert_eq!(svg.matches(">masked</text>").count(), 1);
    assert!(svg.contains("not followed: S.ORDERS → S.REGION"));
}

#[test]
fn the_html_page_is_self_contained_and_well_formed() {
    let html = Picture::Html.render(&small());
    let doc = xml::parse(&html);
    assert_eq!(doc.elements[0], "html");
    assert_eq!(doc.count("svg"), 1);
    // One row per object, after the header.
    assert_eq!(doc.count("tr"), 1 + 7);
    for outside in ["<script", "http://", "https://", "@import", "url(http"] {
        let found = html
            .match_indices(outside)
            .map(|(i, _)| &html[i..(i + 60).min(html.len())])
            .filter(|s| !s.starts_with("http://www.w3.org/2000/svg"))
            .collect::<Vec<_>>();
        assert!(found.is_empty(), "the page reaches out: {found:?}");
    }
    assert!(html.contains("<td>S.ORDERS</td><td>TABLE</td>"));
    assert!(html.contains("<td>EMAIL (pseudonym), NOTE (constant)</td><td>masked</td>"));
}

#[test]
fn the_same_diagram_gives_the_same_bytes() {
    let a = Picture::Svg.render(&small());
    let mut reordered = small();
    reordered.notes.clear();
    assert_ne!(a, Picture::Svg.render(&reordered));
    assert_eq!(a, Picture::Svg.render(&small()));
}
