// Starts Swagger UI on /docs with the app's own OpenAPI document (no external validator).
window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true, validatorUrl: null,
                              presets: [SwaggerUIBundle.presets.apis], layout: "BaseLayout" });
