// Default timeout for int and e2e tests and their hooks (unit tests keep jest's 5 s).
jest.setTimeout(30_000);
