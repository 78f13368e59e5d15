pub mod status_line;
