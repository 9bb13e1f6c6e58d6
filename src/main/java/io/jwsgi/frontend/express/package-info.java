/**
 * What the front end does around start-server's application for mod_wsgi-express's per-request options:
 * {@code --map-head-to-get}, {@code --error-override} and {@code --error-document} ({@link
 * io.jwsgi.frontend.express.ExpressRequests}). The same behaviour a configuration file's WSGIMapHEADToGET,
 * WSGIErrorOverride and ErrorDocument give its mounts, built from the same pieces ({@link
 * io.jwsgi.frontend.ErrorOverride}, {@link io.jwsgi.config.ErrorDocument}). No daemon-side code here.
 */
package io.jwsgi.frontend.express;
