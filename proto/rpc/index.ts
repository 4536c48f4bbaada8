export * from './environment.ts';
export * from './errors.ts';
export * from './fs.ts';
export * from './lifecycle.ts';
export * from './messages.ts';
export * from './methods.ts';
export * from './process.ts';
