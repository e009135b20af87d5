// The widget worker's 'compare' requests (see docs/widgets.md). Placeholder until the <qp-compare> widget lands.
export const handlers = {};
