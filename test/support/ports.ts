// The same free-port helper `ferry up` uses, so tests and the product agree on how it is done.
export { freePort } from "../../src/kube/local/ports.ts";
