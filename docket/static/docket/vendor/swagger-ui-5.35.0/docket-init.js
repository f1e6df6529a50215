// Docket's own start-up script for the vendored Swagger UI (not part of swagger-ui-dist):
// a file rather than an inline script, which Docket's Content-Security-Policy forbids.
window.addEventListener("DOMContentLoaded", function () {
  var element = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: element.dataset.openapiUrl,
    domNode: element,
    deepLinking: true,
    layout: "BaseLayout",
    presets: [SwaggerUIBundle.presets.apis],
    // The public validator would send the schema to swagger.io.
    validatorUrl: null,
  });
});
