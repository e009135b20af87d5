// The single-file page, worker: fetch() of the bundled network files answered from the copy the
// page prepended to the worker's code (worker_factory.mjs).
import { installAssetFetch } from './asset_fetch.mjs';

const { files, missing } = self.__qpAssets ?? { files: {}, missing: {} };
delete self.__qpAssets;
installAssetFetch(self, files, missing);
