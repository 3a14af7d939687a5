/** The workbook writer of the sample (src/xlsx/write-xlsx.ts), for tests that write .xlsx files cell by cell. */
export * from '../../src/xlsx/write-xlsx.ts';
