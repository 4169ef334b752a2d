//! Pictures of a dependency graph drawn by dbsub itself: an SVG image, or a self-contained HTML
//! page around it, with no Graphviz, browser or download needed.
//!
//! A caller describes what to draw as a [`Diagram`] (boxes and arrows with their marks); this
//! module lays it out in layers ([`layout`]: cycles found and broken, layers by longest path,
//! crossings reduced by barycentre sweeps, boxes that never overlap) and writes it ([`svg`]).
//! Everything is deterministic: the same diagram gives the same bytes.
//!
//! - [`deps`]: the diagram of a `show-deps` closure.

pub mod deps;
pub mod layout;
pub mod svg;

/// What to draw: objects as boxes, "needs" relations as arrows from the needing object to the
/// needed one, and notes printed under the legend.
#[derive(Clone, Debug, Default)]
pub struct Diagram {
    /// The picture's title (the SVG `<title>`, the page's heading).
    pub title: String,
    pub nodes: Vec<Node>,
    pub links: Vec<Link>,
    /// Lines under the legend (e.g. foreign keys not followed).
    pub notes: Vec<String>,
}

/// One object.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Node {
    /// `TABLE`, `VIEW`, …
    pub kind: String,
    pub schema: String,
    pub name: String,
    /// Rows, in words (`≈ 1200 rows`), when known.
    pub rows: Option<String>,
    /// The masked columns, in words (`EMAIL (pseudonym)`); empty when nothing is masked.
    pub masked: Vec<String>,
    /// A seed object of the picture: drawn with a thick border.
    pub seed: bool,
    /// Why the object is there, when the caller knows (the subset plan's reason).
    pub why: Option<String>,
}

impl Node {
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }
}

/// One arrow: `from` needs `to`, both indexes into [`Diagram::nodes`] (drawing a diagram whose
/// link names a node it does not have is a bug of its maker, and panics).
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub from: usize,
    pub to: usize,
    pub kind: LinkKind,
    /// The load order breaks this edge to load a cycle: deferred or disabled while loading.
    pub broken: bool,
    /// What the arrow is, in words (`FK SEEDLOT_FK: CLIENT_ID`), for its tooltip.
    pub label: String,
}

/// How an arrow is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// A foreign key whose columns are all NOT NULL: solid.
    ForeignKey,
    /// A foreign key a child row may leave empty: dashed.
    NullableForeignKey,
    /// A trigger on its table or any other object dependency: dotted, grey.
    Dependency,
}

/// The two ways to write a diagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Picture {
    /// An SVG image.
    Svg,
    /// A self-contained HTML page with the image and a table of the objects.
    Html,
}

impl Picture {
    pub fn render(self, diagram: &Diagram) -> String {
        match self {
            Picture::Svg => svg::svg(diagram),
            Picture::Html => svg::html(diagram),
        }
    }
}
