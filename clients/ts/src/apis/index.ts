/* tslint:disable */
/* eslint-disable */
export * from './AudioApi';
export * from './ModelsApi';
export * from './OperationsApi';
export * from './UIApi';
