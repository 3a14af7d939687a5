/** The workbook writer of the sample (src/sample/write-xlsx.ts), for tests that write .xlsx files cell by cell. */
export * from '../../src/sample/write-xlsx.ts';
