// The policyc extension: the `policy` language (see package.json) and a client for the language
// server, `policyc-lsp`, over stdio. Plain JavaScript, no build step.
'use strict';

const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

/** @type {LanguageClient | undefined} */
let client;

function serverExecutable() {
  const config = vscode.workspace.getConfiguration('policyc');
  const path = (config.get('serverPath') || '').trim() || 'policyc-lsp';
  const args = config.get('serverArgs') || [];
  return { command: path, args, options: { env: process.env } };
}

async function start() {
  const executable = serverExecutable();
  // No `transport`: the server speaks LSP on its stdin and stdout and takes no `--stdio` flag.
  const serverOptions = { run: executable, debug: executable };
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'policy' },
      { scheme: 'untitled', language: 'policy' },
    ],
    synchronize: {
      // Files the editor has not opened still count: the server checks the whole policy set.
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.policy'),
    },
    middleware: {
      // A what-if lens: the server shows the verdict as a message; the rules that would break
      // come back as locations, listed here in the references view to jump to.
      executeCommand: async (command, args, next) => {
        const result = await next(command, args);
        const broken = result && Array.isArray(result.broken) ? result.broken : [];
        if (command === 'policyc.whatIf' && broken.length > 0 && client) {
          const locations = broken.map((l) => client.protocol2CodeConverter.asLocation(l));
          await vscode.commands.executeCommand(
            'editor.action.showReferences',
            locations[0].uri,
            locations[0].range.start,
            locations
          );
        }
        return result;
      },
    },
  };
  client = new LanguageClient('policyc', 'policyc', serverOptions, clientOptions);
  try {
    await client.start();
  } catch (err) {
    client = undefined;
    const message = err instanceof Error ? err.message : String(err);
    vscode.window.showErrorMessage(
      `policyc: cannot start the language server \`${executable.command}\` (${message}). ` +
        'Install it with `cargo install --path lsp` in a clone of policyc, ' +
        'or set `policyc.serverPath` to its full path.'
    );
  }
}

async function stop() {
  if (client) {
    const running = client;
    client = undefined;
    await running.stop();
  }
}

async function restart() {
  await stop();
  await start();
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand('policyc.restartServer', restart),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (
        event.affectsConfiguration('policyc.serverPath') ||
        event.affectsConfiguration('policyc.serverArgs')
      ) {
        restart();
      }
    })
  );
  await start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
