// Placeholder entry of the web UI bundle (replaced by the real UI): shows that the page loaded its payload.
const app = document.getElementById("lambdascope-app");
if (app) app.textContent = "lambdascope: the web UI is not built yet.";
