import { contextBridge, ipcRenderer } from 'electron';
import { createWardenApi } from '../src-shared/warden-api';

// The renderer gets named methods built from the contract, never ipcRenderer itself; the
// Electron event never crosses the bridge.
contextBridge.exposeInMainWorld(
  'warden',
  createWardenApi(
    (channel, request) => ipcRenderer.invoke(channel, request),
    (event, listener) => {
      const strip = (_event: unknown, payload: unknown) => listener(payload);
      ipcRenderer.on(event, strip);
      return () => {
        ipcRenderer.removeListener(event, strip);
      };
    },
  ),
);
