module bazar.local/pause

go 1.22
