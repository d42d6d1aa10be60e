/** Local directories the platform writes (the stream's state, the embedded database): checked before use. */
package org.mambats.ingest.disk;
