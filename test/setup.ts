/** Keeps the Pulumi runtime's own warnings (config advice under mocks) out of test output. */
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
    if (typeof args[0] === "string" && args[0].startsWith("warning: [runtime]")) return;
    warn(...args);
};
