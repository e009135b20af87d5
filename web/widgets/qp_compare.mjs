// <qp-compare> (see docs/widgets.md). Placeholder until the widget lands: defines nothing yet.
export {};
