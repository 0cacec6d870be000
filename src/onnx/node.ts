export * from './index';
export {exportModel} from './export_file';
export type {ExportFileOptions} from './export_file';
