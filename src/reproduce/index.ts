export {LISTA_VARIANTS} from '../../layers/lista';
export {reproduceLista, writeListaResults, listaTable, nmsePerLayer, solverNmse, variantSlug, LISTA_BENCHMARK, PUBLISHED_NMSE_DB} from './lista';
export type {ReproduceListaOptions, ListaReproduction, NmseCurve} from './lista';
