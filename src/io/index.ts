/**
 * Images and models in and out, in Node and in pages: image grids as RGBA pixels, and loading a
 * tied decoder beside its encoder. Node adds files (`sparseland/node`): `file://` models, PNG
 * grids and charts, JSON-lines logs.
 */
export {filtersAsImages, imageGrid} from './grid';
export type {ImageGrid, ImageGridOptions} from './grid';
export {loadTiedTo} from '../../layers/csc_decoder';
