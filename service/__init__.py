"""The HTTP service: FastAPI app, project register, staff pages. It calls the sdgtagger library."""
