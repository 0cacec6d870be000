export {FileSystemHandler, registerFileSystem} from './file_system';
