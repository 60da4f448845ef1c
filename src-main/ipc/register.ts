import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import { CHANNELS } from '../../src-shared/contract';
import type { Dispatch, SenderInfo } from './dispatch';

/** Routes every contract channel through the one dispatcher. Returns a function that unregisters. */
export function registerIpc(dispatch: Dispatch): () => void {
  for (const channel of CHANNELS) {
    ipcMain.handle(channel, (event, payload: unknown) =>
      dispatch(channel, payload, senderOf(event), (name, eventPayload) => {
        if (!event.sender.isDestroyed()) event.sender.send(name, eventPayload);
      }),
    );
  }
  return () => {
    for (const channel of CHANNELS) ipcMain.removeHandler(channel);
  };
}

/** A frame that has navigated away or been destroyed has no `senderFrame`: it is nobody. */
export function senderOf(event: IpcMainInvokeEvent): SenderInfo {
  const frame = event.senderFrame;
  if (!frame) return { url: null, isMainFrame: false };
  return { url: frame.url, isMainFrame: frame === event.sender.mainFrame };
}
