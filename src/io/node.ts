export * from './index';
export {FileSystemHandler, registerFileSystem} from './file_system';
export type {FileSystemHandlerOptions} from './file_system';
export {imageGridPng, writeImageGrid} from './image_grid';
export {readJsonLines} from './json_lines';
export {lineChartPng, writeLineChart} from './line_chart';
export type {ChartOptions, ChartPanel, ChartReference, ChartSeries} from './line_chart';
