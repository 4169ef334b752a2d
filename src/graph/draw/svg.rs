//! Writes a [`Diagram`] as an SVG image, or as a self-contained HTML page with the image and a
//! table of its objects: no script, font or style sheet from anywhere else.

use std::fmt::Write as _;

use super::layout::{Layout, Point, Rect, layout, round};
use super::{Diagram, LinkKind, Node};

/// Text metrics for the boxes: a monospace font, so that a label's width follows from its
/// length in every viewer.
const FONT: &str = "DejaVu Sans Mono, Menlo, Consolas, monospace";
const CHAR_W: f64 = 7.3;
const PAD: f64 = 9.0;
const BOX_H: f64 = 38.0;
const MIN_W: f64 = 70.0;
/// The "masked" badge in a box's top-right corner.
const BADGE_W: f64 = 44.0;
/// Room for the title above the graph, and the margin around it.
const TITLE_H: f64 = 44.0;
const MARGIN: f64 = 20.0;
const LEGEND_ROW: f64 = 18.0;

const INK: &str = "#333333";
const RED: &str = "#d32f2f";
const GREY: &str = "#8a8a8a";

/// The SVG image of `diagram`, starting with its XML declaration.
pub fn svg(diagram: &Diagram) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&svg_element(diagram, &diagram_layout(diagram)));
    out
}

/// A self-contained HTML page: the image, then a table of the objects and the notes.
pub fn html(diagram: &Diagram) -> String {
    let title = xml(&diagram.title);
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <title>{title}</title>\n<style>\n\
         body {{ font-family: system-ui, sans-serif; margin: 1.5em; color: {INK}; }}\n\
         .picture {{ overflow: auto; border: 1px solid #dddddd; }}\n\
         table {{ border-collapse: collapse; margin-top: 1em; }}\n\
         th, td {{ border: 1px solid #cccccc; padding: 3px 8px; text-align: left; \
         vertical-align: top; }}\n\
         td.rows {{ text-align: right; }}\n\
         </style>\n</head>\n<body>\n<h1>{title}</h1>\n<div class=\"picture\">\n"
    );
    let drawn = diagram_layout(diagram);
    out.push_str(&svg_element(diagram, &drawn));
    out.push_str("</div>\n<h2>Objects</h2>\n<table>\n<tr><th>object</th><th>kind</th>");
    out.push_str("<th>rows</th><th>masked columns</th><th>marks</th><th>why</th></tr>\n");
    for (i, node) in diagram.nodes.iter().enumerate() {
        let marks = marks(node, drawn.node_in_cycle[i]).join(", ");
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"rows\">{}</td><td>{}</td><td>{}</td>\
             <td>{}</td></tr>",
            xml(&node.qualified_name()),
            xml(&node.kind),
            xml(node.rows.as_deref().unwrap_or("")),
            xml(&node.masked.join(", ")),
            xml(&marks),
            xml(node.why.as_deref().unwrap_or("")),
        );
    }
    out.push_str("</table>\n");
    if !diagram.notes.is_empty() {
        out.push_str("<h2>Notes</h2>\n<ul>\n");
        for note in &diagram.notes {
            let _ = writeln!(out, "<li>{}</li>", xml(note));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// The size of each box: its longest line, and the badge when masked.
pub fn box_sizes(diagram: &Diagram) -> Vec<(f64, f64)> {
    diagram
        .nodes
        .iter()
        .map(|n| {
            let longest = n.name.chars().count().max(detail(n).chars().count()) as f64;
            let badge = if n.masked.is_empty() { 0.0 } else { BADGE_W };
            let w = (longest * CHAR_W + 2.0 * PAD + badge).max(MIN_W);
            (round(w), BOX_H)
        })
        .collect()
}

/// The layout of `diagram`'s boxes and links below its title.
pub fn diagram_layout(diagram: &Diagram) -> Layout {
    let links: Vec<(usize, usize)> = diagram.links.iter().map(|l| (l.from, l.to)).collect();
    layout(&box_sizes(diagram), &links, MARGIN, TITLE_H)
}

/// The `<svg>` element.
fn svg_element(diagram: &Diagram, drawn: &Layout) -> String {
    let legend_top = drawn.height + 2.0 * MARGIN;
    let legend = legend(diagram, legend_top);
    let width = (drawn.width + MARGIN).max(legend.width);
    let height = legend.bottom + MARGIN;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
         viewBox=\"0 0 {w} {h}\" font-family=\"{FONT}\" font-size=\"12\">",
        w = num(width),
        h = num(height)
    );
    let _ = writeln!(out, "<title>{}</title>", xml(&diagram.title));
    out.push_str(DEFS);
    let _ = writeln!(
        out,
        "<rect width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>",
        num(width),
        num(height)
    );
    let _ = writeln!(
        out,
        "<text x=\"{MARGIN}\" y=\"26\" font-size=\"15\" font-weight=\"bold\" fill=\"{INK}\">{}</text>",
        xml(&diagram.title)
    );
    out.push_str("<g id=\"links\">\n");
    for (i, link) in diagram.links.iter().enumerate() {
        let mut title = format!(
            "{} → {}: {}",
            diagram.nodes[link.from].qualified_name(),
            diagram.nodes[link.to].qualified_name(),
            link.label
        );
        if drawn.link_in_cycle[i] {
            title.push_str("\nin a cycle");
        }
        if link.broken {
            title.push_str("\nbroken to load the cycle: deferred or disabled while loading");
        }
        let _ = writeln!(
            out,
            "<polyline points=\"{}\" fill=\"none\"{}><title>{}</title></polyline>",
            points(&drawn.routes[i]),
            link_style(link.kind, link.broken, drawn.link_in_cycle[i]),
            xml(&title)
        );
    }
    out.push_str("</g>\n<g id=\"objects\">\n");
    for (i, node) in diagram.nodes.iter().enumerate() {
        draw_node(&mut out, node, drawn.boxes[i], drawn.node_in_cycle[i]);
    }
    out.push_str("</g>\n");
    out.push_str(&legend.text);
    out.push_str("</svg>\n");
    out
}

/// Arrowheads and the hatching of masked tables.
const DEFS: &str = "<defs>
<marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"9\" markerHeight=\"9\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#333333\"/></marker>
<marker id=\"arrow-grey\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"9\" markerHeight=\"9\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#8a8a8a\"/></marker>
<marker id=\"arrow-red\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"9\" markerHeight=\"9\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#d32f2f\"/></marker>
<pattern id=\"masked\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"8\" height=\"8\" fill=\"#fff6dc\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"#f2c14e\" stroke-width=\"3\"/></pattern>
</defs>
";

/// The second line of a box: kind, schema and rows.
fn detail(node: &Node) -> String {
    match &node.rows {
        Some(rows) => format!("{} {} · {rows}", node.kind, node.schema),
        None => format!("{} {}", node.kind, node.schema),
    }
}

/// What sets a node apart, in words.
fn marks(node: &Node, in_cycle: bool) -> Vec<&'static str> {
    [
        (node.seed, "seed"),
        (!node.masked.is_empty(), "masked"),
        (in_cycle, "in a cycle"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, w)| *w)
    .collect()
}

/// The attributes that draw an arrow: colour, width, dashes, arrowhead.
fn link_style(kind: LinkKind, broken: bool, in_cycle: bool) -> String {
    let (stroke, marker) = if in_cycle {
        (RED, "arrow-red")
    } else if kind == LinkKind::Dependency {
        (GREY, "arrow-grey")
    } else {
        (INK, "arrow")
    };
    let (width, dash) = match (broken, kind) {
        (true, _) => ("2.5", " stroke-dasharray=\"8 3 2 3\""),
        (false, LinkKind::ForeignKey) => ("1.3", ""),
        (false, LinkKind::NullableForeignKey) => ("1.3", " stroke-dasharray=\"6 4\""),
        (false, LinkKind::Dependency) => ("1.3", " stroke-dasharray=\"2 3\""),
    };
    format!(" stroke=\"{stroke}\" stroke-width=\"{width}\"{dash} marker-end=\"url(#{marker})\"")
}

/// The attributes that draw a box: fill by kind (hatched when masked), border.
fn box_style(kind: &str, masked: bool, seed: bool, in_cycle: bool) -> String {
    let fill = if masked {
        "url(#masked)"
    } else {
        match kind {
            "TABLE" => "#eaf2fb",
            "VIEW" | "MATERIALIZED VIEW" => "#eaf7ea",
            _ => "#f3eefa",
        }
    };
    let stroke = if in_cycle { RED } else { "#3d5a80" };
    let width = if seed { "3" } else { "1.2" };
    let dash = if in_cycle {
        " stroke-dasharray=\"5 3\""
    } else {
        ""
    };
    format!(" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{width}\"{dash}")
}

fn draw_node(out: &mut String, node: &Node, b: Rect, in_cycle: bool) {
    let mut title = format!("{} {}", node.kind, node.qualified_name());
    for mark in marks(node, in_cycle) {
        let _ = write!(title, "\n{mark}");
    }
    if let Some(rows) = &node.rows {
        let _ = write!(title, "\nrows: {rows}");
    }
    if !node.masked.is_empty() {
        let _ = write!(title, "\nmasked columns: {}", node.masked.join(", "));
    }
    if let Some(why) = &node.why {
        let _ = write!(title, "\nwhy: {why}");
    }
    let _ = writeln!(out, "<g><title>{}</title>", xml(&title));
    let _ = writeln!(
        out,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\"{}/>",
        num(b.x),
        num(b.y),
        num(b.w),
        num(b.h),
        box_style(&node.kind, !node.masked.is_empty(), node.seed, in_cycle)
    );
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" font-weight=\"bold\" fill=\"{INK}\">{}</text>",
        num(b.x + PAD),
        num(b.y + 16.0),
        xml(&node.name)
    );
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#555555\">{}</text>",
        num(b.x + PAD),
        num(b.y + 31.0),
        xml(&detail(node))
    );
    if !node.masked.is_empty() {
        badge(out, b.right() - BADGE_W + 2.0, b.y + 4.0);
    }
    out.push_str("</g>\n");
}

/// The "masked" badge with its top-left corner at (x, y).
fn badge(out: &mut String, x: f64, y: f64) {
    let _ = writeln!(
        out,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"13\" rx=\"6\" fill=\"#b26a00\"/>\
         <text x=\"{}\" y=\"{}\" font-size=\"9\" fill=\"#ffffff\">masked</text>",
        num(x),
        num(y),
        num(BADGE_W - 6.0),
        num(x + 4.0),
        num(y + 10.0)
    );
}

struct Legend {
    text: String,
    width: f64,
    bottom: f64,
}

/// What the marks mean, then the diagram's notes.
fn legend(diagram: &Diagram, top: f64) -> Legend {
    let mut out = String::from("<g id=\"legend\" font-size=\"11\">\n");
    let x = MARGIN;
    let mut y = top;
    let mut width: f64 = 0.0;
    let mut text = |out: &mut String, y: f64, words: &str| {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" fill=\"{INK}\">{}</text>",
            num(x + 44.0),
            num(y + 4.0),
            xml(words)
        );
        width = width.max(x + 44.0 + words.chars().count() as f64 * 6.7 + MARGIN);
    };
    let boxes = [
        (false, true, false, "a seed object (thick border)"),
        (
            true,
            false,
            false,
            "a table with masked columns (hatched, badge; the columns in its tooltip)",
        ),
        (
            false,
            false,
            true,
            "an object in a cycle (red dashed border)",
        ),
    ];
    for (masked, seed, in_cycle, words) in boxes {
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"32\" height=\"12\" rx=\"3\"{}/>",
            num(x),
            num(y - 6.0),
            box_style("TABLE", masked, seed, in_cycle)
        );
        text(&mut out, y, words);
        y += LEGEND_ROW;
    }
    let lines = [
        (
            LinkKind::ForeignKey,
            false,
            false,
            "foreign key: the child needs the parent",
        ),
        (
            LinkKind::NullableForeignKey,
            false,
            false,
            "nullable foreign key (dashed)",
        ),
        (
            LinkKind::Dependency,
            false,
            false,
            "trigger or other dependency (dotted)",
        ),
        (
            LinkKind::ForeignKey,
            false,
            true,
            "an edge in a cycle (red)",
        ),
        (
            LinkKind::ForeignKey,
            true,
            true,
            "broken to load the cycle: deferred or disabled while loading (thick, dash-dot)",
        ),
    ];
    for (kind, broken, in_cycle, words) in lines {
        let _ = writeln!(
            out,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"{}/>",
            num(x),
            num(y),
            num(x + 32.0),
            num(y),
            link_style(kind, broken, in_cycle)
        );
        text(&mut out, y, words);
        y += LEGEND_ROW;
    }
    for note in &diagram.notes {
        y += 2.0;
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" fill=\"{INK}\">{}</text>",
            num(x),
            num(y + 4.0),
            xml(note)
        );
        width = width.max(x + note.chars().count() as f64 * 6.7 + MARGIN);
        y += LEGEND_ROW;
    }
    out.push_str("</g>\n");
    Legend {
        text: out,
        width: round(width),
        bottom: y,
    }
}

fn points(route: &[Point]) -> String {
    route
        .iter()
        .map(|p| format!("{},{}", num(p.x), num(p.y)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A coordinate to a tenth of a pixel, without trailing zeros.
fn num(v: f64) -> String {
    let r = round(v);
    if r == 0.0 {
        "0".to_string()
    } else {
        format!("{r}")
    }
}

/// Text for XML content and attribute values: the five special characters as entities, and
/// the control characters XML 1.0 cannot hold as U+FFFD.
pub fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{Link, LinkKind, Node};
    use super::*;

    #[test]
    fn xml_escapes_markup_and_control_characters() {
        assert_eq!(
            xml("a<b>&\"c\"'d'\u{1}\n"),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;\u{FFFD}\n"
        );
    }

    #[test]
    fn a_masked_box_is_wider_by_its_badge() {
        let node = |masked: Vec<String>| Node {
            kind: "TABLE".into(),
            schema: "S".into(),
            name: "CLIENT_LOCATION".into(),
            masked,
            ..Node::default()
        };
        let d = Diagram {
            nodes: vec![node(vec![]), node(vec!["EMAIL (pseudonym)".into()])],
            links: vec![Link {
                from: 1,
                to: 0,
                kind: LinkKind::ForeignKey,
                broken: false,
                label: String::new(),
            }],
            ..Diagram::default()
        };
        let sizes = box_sizes(&d);
        assert_eq!(sizes[1].0 - sizes[0].0, BADGE_W);
        assert!(sizes[0].0 >= "CLIENT_LOCATION".len() as f64 * CHAR_W);
    }
}
